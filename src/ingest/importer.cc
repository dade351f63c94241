#include "ingest/importer.h"

#include "ingest/formats.h"
#include "ingest/text_input.h"

namespace sphere::ingest {

void ImportReport::Reject(int64_t line, std::string reason) {
  rejected_.push_back({line, std::move(reason)});
}

void ImportReport::Repair(int64_t line, std::string what) {
  repaired_.push_back({line, std::move(what)});
}

std::string ImportReport::Describe(const RowIssue& issue) const {
  return file_ + ":" + std::to_string(issue.line) + ": " + issue.reason;
}

Result<const Format*> FormatNamed(std::string_view name) {
  std::string known;
  for (const Format& f : Formats()) {
    if (f.name == name) return &f;
    if (!known.empty()) known += ", ";
    known += f.name;
  }
  return InvalidArgument("format: '" + std::string(name) + "' is not one of " + known);
}

Result<const Format*> DetectFormat(const std::filesystem::path& path) {
  SPHERE_ASSIGN_OR_RETURN(auto lines, LineReader::Open(path));
  std::string_view first_line;
  SPHERE_ASSIGN_OR_RETURN(bool any, lines->Next(first_line));
  if (!any) return InvalidArgument(path.string() + ": empty file");
  for (const Format& f : Formats()) {
    if (f.matches(path, first_line)) return &f;
  }
  return InvalidArgument(path.string() +
                         ": format not recognised from its name and header; name it with "
                         "--format (see `sphere import --help`)");
}

}  // namespace sphere::ingest
