# benchmark comparison (issue 6)
