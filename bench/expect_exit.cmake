# cmake -DCOMMAND=... [-DARGUMENTS=ARG;...] -DEXPECTED_STATUS=N -DEXPECTED_OUTPUT=TEXT -P expect_exit.cmake
# Passes when COMMAND, run with ARGUMENTS, exits with EXPECTED_STATUS and its output (standard output
# and standard error together) contains EXPECTED_OUTPUT.
execute_process(COMMAND "${COMMAND}" ${ARGUMENTS} RESULT_VARIABLE status OUTPUT_VARIABLE output
                ERROR_VARIABLE output TIMEOUT 50)
string(FIND "${output}" "${EXPECTED_OUTPUT}" found)
if(NOT status STREQUAL "${EXPECTED_STATUS}" OR found EQUAL -1)
  message(FATAL_ERROR "expected exit status ${EXPECTED_STATUS} and '${EXPECTED_OUTPUT}'; got ${status}: ${output}")
endif()
