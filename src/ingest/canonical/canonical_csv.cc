// The canonical CSV formats: one file per entity, recognised by its leading header
// (docs/data-formats.md).
#include <string>
#include <vector>

#include "ingest/canonical/canonical_fields.h"
#include "ingest/csv_reader.h"
#include "ingest/formats.h"

namespace sphere::ingest {
namespace {

using canonical::Field;
using canonical::InputValue;

template <typename Record>
bool HasLeadingHeader(std::string_view first_line, std::span<const Field<Record>> fields) {
  std::string_view line = canonical::WithoutLineEnd(first_line);
  std::string leading = canonical::LeadingHeader(fields);
  return line.starts_with(leading) &&
         (line.size() == leading.size() || line[leading.size()] == ',');
}

template <typename Record>
std::string KnownColumns(std::span<const Field<Record>> fields) {
  std::string out;
  for (const Field<Record>& f : fields) {
    if (!out.empty()) out += ',';
    out += f.name;
  }
  return out;
}

// Maps each header column to its field. The leading columns must be exactly the expected
// ones; any other column must be a known field named once. A misspelt column fails the
// whole file rather than losing its values on every row.
template <typename Record>
Result<std::vector<const Field<Record>*>> MapHeader(const std::filesystem::path& path,
                                                    const CsvRecord& header,
                                                    std::span<const Field<Record>> fields) {
  auto bad = [&](const std::string& what) {
    return InvalidArgument(path.string() + ":" + std::to_string(header.line) + ": " + what +
                           " (see docs/data-formats.md)");
  };
  for (size_t i = 0; i < canonical::kLeadingColumns; ++i) {
    if (i >= header.size() || header[i] != fields[i].name) {
      return bad("the header must start with " + canonical::LeadingHeader(fields));
    }
  }
  std::vector<const Field<Record>*> columns;
  for (const std::string& name : header.fields) {
    const Field<Record>* found = nullptr;
    for (const Field<Record>& f : fields) {
      if (f.name == name) found = &f;
    }
    if (found == nullptr) {
      return bad("unknown column '" + name + "'; the columns are " + KnownColumns(fields));
    }
    for (const Field<Record>* seen : columns) {
      if (seen == found) return bad("column '" + name + "' appears twice");
    }
    columns.push_back(found);
  }
  return columns;
}

template <typename Record>
Status ImportCsv(const std::filesystem::path& path, RecordSink& sink, ImportReport& report,
                 std::span<const Field<Record>> fields) {
  SPHERE_ASSIGN_OR_RETURN(auto reader, CsvReader::Open(path));
  CsvRecord row;
  SPHERE_ASSIGN_OR_RETURN(bool has_header, reader->Next(row));
  if (!has_header) {
    return InvalidArgument(path.string() + ": empty file (expected a header starting with " +
                           canonical::LeadingHeader(fields) + ")");
  }
  SPHERE_ASSIGN_OR_RETURN(auto columns, MapHeader(path, row, fields));

  canonical::Emitter emitter(sink, report);
  std::string errors;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, reader->Next(row));
    if (!more) break;
    if (row.size() != columns.size()) {
      report.Reject(row.line, "the row has " + std::to_string(row.size()) +
                                  " fields but the header has " + std::to_string(columns.size()));
      continue;
    }
    Record record;
    canonical::ApplyDefaults(record);
    errors.clear();
    for (size_t i = 0; i < columns.size(); ++i) {
      InputValue cell;
      cell.type = InputValue::Type::kText;
      cell.text = row[i];
      Status s = canonical::Assign(*columns[i], cell, record);
      if (!s.ok()) {
        if (!errors.empty()) errors += "; ";
        errors += s.message();
      }
    }
    if (!errors.empty()) {
      report.Reject(row.line, errors);
      continue;
    }
    report.Loaded();
    if constexpr (std::is_same_v<Record, Creator>) {
      // A creators file refers to no other rows, so nothing needs remembering.
      SPHERE_RETURN_IF_ERROR(sink.Accept(std::move(record)));
      report.CountCreator();
    } else {
      SPHERE_RETURN_IF_ERROR(emitter.Emit(std::move(record)));
    }
  }
  return Status::Ok();
}

}  // namespace

Format CanonicalCreatorsCsvFormat() {
  return {
      .name = "canonical_creators_csv",
      .description =
          "Canonical creators CSV: header starts platform,handle,display_name "
          "(docs/data-formats.md)",
      .matches =
          [](const std::filesystem::path&, std::string_view first_line) {
            return HasLeadingHeader(first_line, canonical::CreatorFields());
          },
      .run =
          [](const std::filesystem::path& path, RecordSink& sink, ImportReport& report) {
            return ImportCsv(path, sink, report, canonical::CreatorFields());
          },
  };
}

Format CanonicalPostsCsvFormat() {
  return {
      .name = "canonical_posts_csv",
      .description =
          "Canonical posts CSV: header starts platform,handle,post_id (docs/data-formats.md)",
      .matches =
          [](const std::filesystem::path&, std::string_view first_line) {
            return HasLeadingHeader(first_line, canonical::PostFields());
          },
      .run =
          [](const std::filesystem::path& path, RecordSink& sink, ImportReport& report) {
            return ImportCsv(path, sink, report, canonical::PostFields());
          },
  };
}

Format CanonicalSnapshotsCsvFormat() {
  return {
      .name = "canonical_snapshots_csv",
      .description =
          "Canonical snapshots CSV: header starts platform,handle,taken_at "
          "(docs/data-formats.md)",
      .matches =
          [](const std::filesystem::path&, std::string_view first_line) {
            return HasLeadingHeader(first_line, canonical::SnapshotFields());
          },
      .run =
          [](const std::filesystem::path& path, RecordSink& sink, ImportReport& report) {
            return ImportCsv(path, sink, report, canonical::SnapshotFields());
          },
  };
}

}  // namespace sphere::ingest
