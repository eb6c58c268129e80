# reliability checks (issue 7)
