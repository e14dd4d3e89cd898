# Runs COMMAND on the space-separated SUITES (every suite when empty) and passes only if it exits with 1
# after printing VERDICT. For a model check with a planted bug: a pass, a crash or another verdict means
# the checker did not catch that bug.
#   cmake -DCOMMAND=<executable> -DVERDICT=<regex> [-DSUITES=<names>] -P expect_failure.cmake
separate_arguments(suites UNIX_COMMAND "${SUITES}")
execute_process(COMMAND "${COMMAND}" ${suites} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
message("${output}")
if(NOT result EQUAL 1)
  message(FATAL_ERROR "${COMMAND} exited with '${result}', not 1: the planted bug went unreported")
endif()
if(NOT output MATCHES "${VERDICT}")
  message(FATAL_ERROR "${COMMAND} failed without reporting ${VERDICT}")
endif()
