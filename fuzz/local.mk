# fuzzing (issue 7)
