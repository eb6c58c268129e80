# model checking (issue 7)
