# cmake -DCOMMAND=... -DEXPECTED_STATUS=N -DEXPECTED_OUTPUT=TEXT -P expect_exit.cmake
# Passes when COMMAND exits with EXPECTED_STATUS and its standard error contains EXPECTED_OUTPUT.
execute_process(COMMAND "${COMMAND}" RESULT_VARIABLE status ERROR_VARIABLE errors TIMEOUT 50)
string(FIND "${errors}" "${EXPECTED_OUTPUT}" found)
if(NOT status STREQUAL "${EXPECTED_STATUS}" OR found EQUAL -1)
  message(FATAL_ERROR "expected exit status ${EXPECTED_STATUS} and '${EXPECTED_OUTPUT}'; got ${status}: ${errors}")
endif()
