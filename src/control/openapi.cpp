// GET /v1/openapi.yaml serves schemas/openapi.yaml as the binary was built with it
// (openapi_document.cpp is generated from the file by src/CMakeLists.txt).
#include "control/control_api.hpp"

namespace ats::control {

extern const char* const kOpenApiYaml;

const std::string& ControlApi::OpenApiDocument() {
  static const std::string document(kOpenApiYaml);
  return document;
}

}  // namespace ats::control
