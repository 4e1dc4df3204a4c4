# Writes page-assets.h: the report pages' HTML, CSS and JavaScript as C++
# raw strings, so that report.html needs no file beside the nslab binary.
file(READ ${DIR}/head.html HEAD)
file(READ ${DIR}/common.js COMMON_JS)
file(READ ${DIR}/report.html HTML)
file(READ ${DIR}/report.css CSS)
file(READ ${DIR}/report.js JS)
file(READ ${DIR}/sweep.html SWEEP_HTML)
file(READ ${DIR}/sweep.js SWEEP_JS)
foreach(part HEAD COMMON_JS HTML CSS JS SWEEP_HTML SWEEP_JS)
  string(FIND "${${part}}" ")nslabpage" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "webreport/page: ')nslabpage' would end the raw string early")
  endif()
endforeach()
file(WRITE ${OUT} "// Generated from webreport/page/ by embed-page.cmake: edit those files.\n#pragma once\nnamespace nslab::web\n{\n"
  "inline const char* const kPageHead = R\"nslabpage(${HEAD})nslabpage\";\n"
  "inline const char* const kPageCommonJs = R\"nslabpage(${COMMON_JS})nslabpage\";\n"
  "inline const char* const kPageHtml = R\"nslabpage(${HTML})nslabpage\";\n"
  "inline const char* const kPageCss = R\"nslabpage(${CSS})nslabpage\";\n"
  "inline const char* const kPageJs = R\"nslabpage(${JS})nslabpage\";\n"
  "inline const char* const kSweepHtml = R\"nslabpage(${SWEEP_HTML})nslabpage\";\n"
  "inline const char* const kSweepJs = R\"nslabpage(${SWEEP_JS})nslabpage\";\n"
  "} // namespace nslab::web\n")
