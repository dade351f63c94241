#include "api/multipart.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "api/query.h"

namespace sphere::api {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

// RFC 7230's tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Echoed input stays short: at most 64 bytes, cut on a character boundary.
std::string Shortened(std::string_view s) {
  constexpr size_t kMax = 64;
  if (s.size() <= kMax) return std::string(s);
  size_t end = kMax;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "...";
}

using Params = std::vector<std::pair<std::string, std::string>>;

// `*( OWS ";" OWS name "=" ( token / quoted-string ) )` with lower-cased names; empty
// parameters (";;") are skipped. HTTP headers allow "\x" in quoted strings; multipart part
// headers do not (browsers send Windows paths and %22 for a quote), hence `backslash_escapes`.
// Errors have no prefix.
Result<Params> ParseParams(std::string_view s, bool backslash_escapes) {
  Params params;
  size_t i = 0;
  auto skip_ows = [&] {
    while (i < s.size() && IsOws(s[i])) ++i;
  };
  while (true) {
    skip_ows();
    if (i == s.size()) return params;
    if (s[i] != ';') return InvalidArgument("expected ';' before " + Shortened(s.substr(i)));
    ++i;
    skip_ows();
    if (i == s.size() || s[i] == ';') continue;
    const size_t name_start = i;
    while (i < s.size() && IsTokenChar(s[i])) ++i;
    std::string name = ToLower(s.substr(name_start, i - name_start));
    if (name.empty()) return InvalidArgument("bad parameter " + Shortened(s.substr(i)));
    skip_ows();
    if (i == s.size() || s[i] != '=') {
      return InvalidArgument("parameter '" + name + "' has no value");
    }
    ++i;
    skip_ows();
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        const char c = s[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && backslash_escapes && i < s.size()) {
          value.push_back(s[i++]);
        } else {
          value.push_back(c);
        }
      }
      if (!closed) return InvalidArgument("parameter '" + name + "' has an unterminated quote");
    } else {
      const size_t value_start = i;
      while (i < s.size() && IsTokenChar(s[i])) ++i;
      value = std::string(s.substr(value_start, i - value_start));
      if (value.empty()) return InvalidArgument("parameter '" + name + "' has no value");
    }
    for (const auto& [seen, unused] : params) {
      if (seen == name) return InvalidArgument("parameter '" + name + "' is given twice");
    }
    params.emplace_back(std::move(name), std::move(value));
  }
}

const std::string* FindParam(const Params& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

// RFC 2046's bchars: 1 to 70 of them, not ending in a space.
bool IsValidBoundary(std::string_view b) {
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  for (char c : b) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

struct Header {
  std::string name;  // lower case
  std::string_view value;
};

// The header lines of one part (the block before the empty line, CRLF-separated).
Result<std::vector<Header>> ParseHeaderBlock(std::string_view block, const std::string& part) {
  std::vector<Header> headers;
  while (!block.empty()) {
    size_t end = block.find(kCrlf);
    if (end == std::string_view::npos) end = block.size();
    const std::string_view line = block.substr(0, end);
    block.remove_prefix(std::min(block.size(), end + kCrlf.size()));
    if (line.empty() || IsOws(line.front())) {
      return InvalidArgument("body: " + part + " has a folded or empty header line");
    }
    for (char c : line) {
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) {
        return InvalidArgument("body: " + part + " has a control character in its header");
      }
    }
    const size_t colon = line.find(':');
    const std::string_view name = colon == std::string_view::npos ? "" : line.substr(0, colon);
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return InvalidArgument("body: " + part + " has a malformed header line '" + Shortened(line) +
                             "'");
    }
    headers.push_back({ToLower(name), TrimOws(line.substr(colon + 1))});
  }
  return headers;
}

// Fills name, filename and content_type of `out` from its header lines.
Status ReadPartHeaders(const std::vector<Header>& headers, const std::string& part,
                       MultipartPart& out) {
  const Header* disposition = nullptr;
  for (const Header& h : headers) {
    if (h.name != "content-disposition") continue;
    if (disposition != nullptr) {
      return InvalidArgument("body: " + part + " has two Content-Disposition headers");
    }
    disposition = &h;
  }
  if (disposition == nullptr) {
    return InvalidArgument("body: " + part + " has no Content-Disposition header");
  }
  const std::string_view value = disposition->value;
  const size_t semicolon = std::min(value.find(';'), value.size());
  if (!EqualsIgnoreCase(TrimOws(value.substr(0, semicolon)), "form-data")) {
    return InvalidArgument("body: " + part + " is not form-data (Content-Disposition: '" +
                           Shortened(value) + "')");
  }
  Result<Params> params = ParseParams(value.substr(semicolon), /*backslash_escapes=*/false);
  if (!params.ok()) {
    return InvalidArgument("body: " + part + " Content-Disposition: " + params.error().message());
  }
  const std::string* name = FindParam(*params, "name");
  if (name == nullptr || name->empty()) {
    return InvalidArgument("body: " + part + " has no name in its Content-Disposition");
  }
  out.name = *name;
  if (const std::string* filename = FindParam(*params, "filename")) out.filename = *filename;

  // From here on the part has a name to blame.
  const std::string prefix = Shortened(out.name) + ": ";
  bool seen_type = false;
  for (const Header& h : headers) {
    if (h.name == "content-type") {
      if (seen_type) return InvalidArgument(prefix + "two Content-Type headers");
      seen_type = true;
      out.content_type = std::string(h.value);
    } else if (h.name == "content-transfer-encoding") {
      // RFC 7578 deprecates it; anything but the identity encodings would change the bytes.
      if (!EqualsIgnoreCase(h.value, "binary") && !EqualsIgnoreCase(h.value, "8bit") &&
          !EqualsIgnoreCase(h.value, "7bit")) {
        return InvalidArgument(prefix + "unsupported Content-Transfer-Encoding '" +
                               Shortened(h.value) + "'");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> MultipartBoundary(std::string_view content_type) {
  const size_t semicolon = std::min(content_type.find(';'), content_type.size());
  if (!EqualsIgnoreCase(TrimOws(content_type.substr(0, semicolon)), "multipart/form-data")) {
    return InvalidArgument("Content-Type: must be multipart/form-data, got '" +
                           Shortened(content_type) + "'");
  }
  Result<Params> params = ParseParams(content_type.substr(semicolon), /*backslash_escapes=*/true);
  if (!params.ok()) return InvalidArgument("Content-Type: " + params.error().message());
  const std::string* boundary = FindParam(*params, "boundary");
  if (boundary == nullptr) return InvalidArgument("Content-Type: has no boundary parameter");
  if (!IsValidBoundary(*boundary)) {
    return InvalidArgument("Content-Type: boundary '" + Shortened(*boundary) +
                           "' is not 1 to 70 of RFC 2046's characters");
  }
  return *boundary;
}

Result<std::vector<MultipartPart>> ParseMultipart(std::string_view content_type,
                                                  std::string_view body,
                                                  const MultipartLimits& limits) {
  SPHERE_ASSIGN_OR_RETURN(const std::string boundary, MultipartBoundary(content_type));
  // Every boundary but a first one at byte 0 is CRLF "--" boundary.
  const std::string delimiter = "\r\n--" + boundary;
  const std::boyer_moore_horspool_searcher searcher(delimiter.begin(), delimiter.end());
  auto find_delimiter = [&](size_t from) -> size_t {
    auto it = std::search(body.begin() + from, body.end(), searcher);
    return it == body.end() ? std::string_view::npos : static_cast<size_t>(it - body.begin());
  };

  // `pos` is where the "--boundary" of the next delimiter starts.
  size_t pos = 0;
  if (body.substr(0, delimiter.size() - 2) != std::string_view(delimiter).substr(2)) {
    pos = find_delimiter(0);
    if (pos == std::string_view::npos) {
      return InvalidArgument("body: has no boundary '--" + Shortened(boundary) + "'");
    }
    pos += 2;
  }

  std::vector<MultipartPart> parts;
  while (true) {
    pos += delimiter.size() - 2;
    if (body.substr(pos, 2) == "--") return parts;  // the close delimiter; the epilogue is ignored
    while (pos < body.size() && IsOws(body[pos])) ++pos;  // transport padding
    if (body.substr(pos, 2) != kCrlf) {
      if (pos >= body.size()) return InvalidArgument("body: missing closing boundary");
      return InvalidArgument("body: junk after a boundary at byte " + std::to_string(pos));
    }
    pos += 2;
    if (parts.size() == limits.max_parts) {
      return InvalidArgument("body: more than " + std::to_string(limits.max_parts) + " parts");
    }
    const std::string part = "part " + std::to_string(parts.size() + 1);

    // The header block ends at the first empty line (at once when there are no headers).
    std::string_view block;
    size_t data_start = 0;
    if (body.substr(pos, 2) == kCrlf) {
      data_start = pos + 2;
    } else {
      const std::string_view window = body.substr(pos, limits.max_part_header_bytes);
      const size_t end = window.find("\r\n\r\n");
      if (end == std::string_view::npos || end + 4 > limits.max_part_header_bytes) {
        if (window.size() == body.size() - pos && window.size() < limits.max_part_header_bytes) {
          return InvalidArgument("body: " + part + " header is not followed by an empty line");
        }
        return InvalidArgument("body: " + part + " header is longer than " +
                               std::to_string(limits.max_part_header_bytes) + " bytes");
      }
      block = window.substr(0, end);
      data_start = pos + end + 4;
    }
    if (!IsValidUtf8(block)) return InvalidArgument("body: " + part + " header is not UTF-8");
    SPHERE_ASSIGN_OR_RETURN(const std::vector<Header> headers, ParseHeaderBlock(block, part));
    MultipartPart parsed;
    SPHERE_RETURN_IF_ERROR(ReadPartHeaders(headers, part, parsed));
    for (const MultipartPart& earlier : parts) {
      if (earlier.name == parsed.name) {
        return InvalidArgument(Shortened(parsed.name) + ": given more than once");
      }
    }

    // The data runs to the next delimiter: RFC 2046 forbids the boundary inside a part.
    const size_t next = find_delimiter(data_start);
    if (next == std::string_view::npos) return InvalidArgument("body: missing closing boundary");
    parsed.data = body.substr(data_start, next - data_start);
    parts.push_back(std::move(parsed));
    pos = next + 2;
  }
}

}  // namespace sphere::api
