#include "ingest/csv_reader.h"

#include <csv.h>

#include <cctype>

namespace sphere::ingest {

// libcsv's parser states (libcsv.c; the struct is public in csv.h and these values
// have not changed since libcsv 1.0): ROW_NOT_BEGUN means no record is partly read,
// FIELD_BEGUN with `quoted` set means we are inside an open quoted field.
constexpr int kLibcsvRowNotBegun = 0;
constexpr int kLibcsvFieldBegun = 2;

struct CsvReader::Parser {
  csv_parser parser{};
  std::vector<std::string> fields;
  std::vector<std::vector<std::string>> completed;  // records ended by the last feed
  std::vector<int64_t> completed_lines;
  int64_t pending_start_line = 0;
  bool initialised = false;

  ~Parser() {
    if (initialised) csv_free(&parser);
  }

  static void OnField(void* data, size_t len, void* self) {
    auto* p = static_cast<Parser*>(self);
    p->fields.emplace_back(static_cast<const char*>(data), len);
  }
  static void OnRecordEnd(int /*terminator*/, void* self) {
    auto* p = static_cast<Parser*>(self);
    p->completed.push_back(std::move(p->fields));
    p->completed_lines.push_back(p->pending_start_line);
    p->fields.clear();
  }
};

namespace {
int IsSpaceOnly(unsigned char c) { return c == ' '; }
int NeverSpace(unsigned char) { return 0; }
}  // namespace

CsvReader::CsvReader(std::unique_ptr<LineReader> lines, std::filesystem::path path,
                     CsvOptions options)
    : lines_(std::move(lines)), parser_(std::make_unique<Parser>()), path_(std::move(path)) {
  // CSV_APPEND_NULL is not needed: fields are copied with their length.
  csv_init(&parser_->parser, 0);
  parser_->initialised = true;
  csv_set_delim(&parser_->parser, static_cast<unsigned char>(options.delimiter));
  if (!options.trim_unquoted) {
    csv_set_space_func(&parser_->parser, NeverSpace);
  } else if (options.delimiter == '\t') {
    csv_set_space_func(&parser_->parser, IsSpaceOnly);
  }
}

CsvReader::~CsvReader() = default;

Result<std::unique_ptr<CsvReader>> CsvReader::Open(const std::filesystem::path& path,
                                                   CsvOptions options) {
  SPHERE_ASSIGN_OR_RETURN(auto lines, LineReader::Open(path, options.encoding));
  return std::unique_ptr<CsvReader>(new CsvReader(std::move(lines), path, options));
}

Result<bool> CsvReader::Next(CsvRecord& record) {
  Parser& p = *parser_;
  // Feeding one physical line at a time lets a finished record be tied to the line it
  // started on: any line fed while no record is partly read starts the next one.
  while (p.completed.empty() && !finished_) {
    std::string_view line;
    SPHERE_ASSIGN_OR_RETURN(bool more, lines_->Next(line));
    if (!more) {
      finished_ = true;
      bool inside_quotes = p.parser.pstate == kLibcsvFieldBegun && p.parser.quoted;
      int64_t start = p.pending_start_line;
      csv_fini(&p.parser, &Parser::OnField, &Parser::OnRecordEnd, &p);
      if (inside_quotes) {
        p.completed.clear();
        p.completed_lines.clear();
        return InvalidArgument(path_.string() + ":" + std::to_string(start) +
                               ": unterminated quoted field (the file ends inside quotes)");
      }
      break;
    }
    if (p.parser.pstate == kLibcsvRowNotBegun) p.pending_start_line = lines_->line_number();
    if (csv_parse(&p.parser, line.data(), line.size(), &Parser::OnField, &Parser::OnRecordEnd,
                  &p) != line.size()) {
      return Internal(path_.string() + ":" + std::to_string(lines_->line_number()) +
                      ": csv parser failed: " + csv_strerror(csv_error(&p.parser)));
    }
  }
  if (p.completed.empty()) return false;
  record.fields = std::move(p.completed.front());
  record.line = p.completed_lines.front();
  p.completed.erase(p.completed.begin());
  p.completed_lines.erase(p.completed_lines.begin());
  return true;
}

std::string CsvHeader::Fold(std::string_view name) {
  std::string out;
  bool pending_space = false;
  for (char c : name) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

CsvHeader::CsvHeader(const std::vector<std::string>& names) {
  names_.reserve(names.size());
  for (const std::string& n : names) names_.push_back(Fold(n));
}

std::optional<size_t> CsvHeader::Find(std::string_view name) const {
  std::string folded = Fold(name);
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == folded) return i;
  }
  return std::nullopt;
}

std::vector<size_t> CsvHeader::FindAll(std::string_view name) const {
  std::string folded = Fold(name);
  std::vector<size_t> out;
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == folded) out.push_back(i);
  }
  return out;
}

}  // namespace sphere::ingest
