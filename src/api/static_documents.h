// Documents compiled into the binary from files beside this header (openapi.json, docs.html),
// so a server needs nothing on disk to describe itself.
#pragma once

#include <string_view>

namespace sphere::api {

std::string_view OpenApiDocument();  // src/api/openapi.json
std::string_view DocsHtml();         // src/api/docs.html

}  // namespace sphere::api
