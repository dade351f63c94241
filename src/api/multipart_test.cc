#include "api/multipart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "api/errors.h"
#include "testing/status_matchers.h"

namespace sphere::api {
namespace {

using ::testing::StartsWith;
using namespace std::string_literals;

constexpr std::string_view kType = "multipart/form-data; boundary=XyZ";

// A body as curl sends it: a text field and a file, CRLF line ends.
std::string CurlBody() {
  return "--XyZ\r\n"
         "Content-Disposition: form-data; name=\"caption\"\r\n"
         "\r\n"
         "Sunset \xF0\x9F\x8C\x85\r\n"
         "--XyZ\r\n"
         "Content-Disposition: form-data; name=\"image\"; filename=\"photo.jpg\"\r\n"
         "Content-Type: image/jpeg\r\n"
         "\r\n"
         "\xFF\xD8\xFF\xE0\r\n\r\n--Xy\x00Z"
         "\r\n"
         "--XyZ--\r\n"s;  // "s": the data holds a NUL
}

TEST(Multipart, ReadsFieldsAndFilesAsCurlSendsThem) {
  const std::string body = CurlBody();
  ASSERT_OK_AND_ASSIGN(std::vector<MultipartPart> parts, ParseMultipart(kType, body));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].name, "caption");
  EXPECT_EQ(parts[0].filename, "");
  EXPECT_EQ(parts[0].content_type, "");
  EXPECT_EQ(parts[0].data, "Sunset \xF0\x9F\x8C\x85");
  EXPECT_EQ(parts[1].name, "image");
  EXPECT_EQ(parts[1].filename, "photo.jpg");
  EXPECT_EQ(parts[1].content_type, "image/jpeg");
  // Binary data keeps its CRLFs and anything that only resembles the boundary.
  EXPECT_EQ(parts[1].data, std::string_view("\xFF\xD8\xFF\xE0\r\n\r\n--Xy\x00Z", 14));
}

TEST(Multipart, DataPointsIntoTheBody) {
  const std::string body = CurlBody();
  ASSERT_OK_AND_ASSIGN(std::vector<MultipartPart> parts, ParseMultipart(kType, body));
  ASSERT_FALSE(parts.empty());
  EXPECT_GE(parts[0].data.data(), body.data());
  EXPECT_LE(parts[0].data.data() + parts[0].data.size(), body.data() + body.size());
}

TEST(Multipart, PreambleEpilogueAndTransportPaddingAreIgnored) {
  const std::string body =
      "This is the preamble.\r\n"
      "--XyZ  \t\r\n"
      "content-disposition: FORM-DATA; name=a\r\n"
      "\r\n"
      "1\r\n"
      "--XyZ--  and the epilogue\r\n";
  ASSERT_OK_AND_ASSIGN(std::vector<MultipartPart> parts, ParseMultipart(kType, body));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].name, "a");
  EXPECT_EQ(parts[0].data, "1");
}

TEST(Multipart, EmptyDataAndNoPartsAreFine) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<MultipartPart> parts,
      ParseMultipart(kType,
                     "--XyZ\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--XyZ--"));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].data, "");
  ASSERT_OK_AND_ASSIGN(std::vector<MultipartPart> none, ParseMultipart(kType, "--XyZ--\r\n"));
  EXPECT_TRUE(none.empty());
}

TEST(Multipart, FilenameKeepsBackslashesAsBrowsersSendThem) {
  const std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"image\"; filename=\"C:\\photos\\a;b.png\"\r\n"
      "\r\n"
      "x\r\n"
      "--XyZ--";
  ASSERT_OK_AND_ASSIGN(std::vector<MultipartPart> parts, ParseMultipart(kType, body));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].filename, "C:\\photos\\a;b.png");
}

struct BadContentType {
  std::string value;
  std::string message;
  friend void PrintTo(const BadContentType& c, std::ostream* out) { *out << c.value; }
};

class MultipartContentType : public ::testing::TestWithParam<BadContentType> {};

TEST_P(MultipartContentType, WrongOnesNameTheHeader) {
  EXPECT_THAT(ParseMultipart(GetParam().value, "--XyZ--").status(),
              IsError(Code::kInvalidArgument, StartsWith(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    BadValues, MultipartContentType,
    ::testing::Values(
        BadContentType{"", "Content-Type: must be multipart/form-data, got ''"},
        BadContentType{"application/json", "Content-Type: must be multipart/form-data"},
        BadContentType{"multipart/mixed; boundary=XyZ",
                       "Content-Type: must be multipart/form-data"},
        BadContentType{"multipart/form-data", "Content-Type: has no boundary parameter"},
        BadContentType{"multipart/form-data; charset=utf-8", "Content-Type: has no boundary"},
        BadContentType{"multipart/form-data; boundary=", "Content-Type: parameter 'boundary'"},
        BadContentType{"multipart/form-data; boundary=\"XyZ", "Content-Type: parameter 'boundary'"},
        BadContentType{"multipart/form-data; boundary=a; boundary=b",
                       "Content-Type: parameter 'boundary' is given twice"},
        BadContentType{"multipart/form-data; boundary=\"a\xC3\xA9\"", "Content-Type: boundary"},
        BadContentType{"multipart/form-data; boundary=\"ends with space \"",
                       "Content-Type: boundary"},
        BadContentType{"multipart/form-data; boundary=" + std::string(71, 'b'),
                       "Content-Type: boundary"},
        BadContentType{"multipart/form-data; boundary=XyZ junk", "Content-Type: expected ';'"}));

TEST(Multipart, ErrorBodyNamesTheHeaderOrThePart) {
  const Response header = ErrorResponse(ParseMultipart("text/plain", "").status());
  EXPECT_EQ(header.status, 400);
  EXPECT_NE(header.body.find(R"("field":"Content-Type")"), std::string::npos) << header.body;
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"image\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nMQ==\r\n--XyZ--";
  const Response part = ErrorResponse(ParseMultipart(kType, body).status());
  EXPECT_NE(part.body.find(R"("field":"image")"), std::string::npos) << part.body;
}

TEST(Multipart, ContentTypeIsCaseInsensitiveAndMayQuoteTheBoundary) {
  ASSERT_OK_AND_ASSIGN(std::string boundary,
                       MultipartBoundary("Multipart/Form-Data ; charset=utf-8;BOUNDARY=\"a b'c\""));
  EXPECT_EQ(boundary, "a b'c");
  ASSERT_OK_AND_ASSIGN(std::string longest,
                       MultipartBoundary("multipart/form-data; boundary=" + std::string(70, 'b')));
  EXPECT_EQ(longest.size(), 70u);
}

struct BadBody {
  std::string body;
  std::string message;  // the start of the error message
  friend void PrintTo(const BadBody& c, std::ostream* out) { *out << c.message; }
};

class MultipartRejects : public ::testing::TestWithParam<BadBody> {};

TEST_P(MultipartRejects, WithAMessageNamingThePartOrTheBody) {
  EXPECT_THAT(ParseMultipart(kType, GetParam().body).status(),
              IsError(Code::kInvalidArgument, StartsWith(GetParam().message)));
}

constexpr char kPartA[] = "Content-Disposition: form-data; name=\"a\"\r\n";

INSTANTIATE_TEST_SUITE_P(
    BadBodies, MultipartRejects,
    ::testing::Values(
        BadBody{"", "body: has no boundary '--XyZ'"},
        BadBody{"no boundary here", "body: has no boundary"},
        BadBody{"--XyZ", "body: missing closing boundary"},
        BadBody{"--XyZ\r\n" + std::string(kPartA) + "\r\ndata", "body: missing closing boundary"},
        BadBody{"--XyZ\r\n" + std::string(kPartA) + "\r\ndata\r\n--XyZ",
                "body: missing closing boundary"},
        BadBody{"--XyZjunk\r\n", "body: junk after a boundary at byte 5"},
        BadBody{"--XyZ\r\n" + std::string(kPartA) + "\r\n1\r\n--XyZ-\r\n",
                "body: junk after a boundary"},
        BadBody{"--XyZ\n" + std::string(kPartA) + "\n1\n--XyZ--", "body: junk after a boundary"},
        BadBody{"--XyZ\r\n\r\ndata\r\n--XyZ--", "body: part 1 has no Content-Disposition header"},
        BadBody{"--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n--XyZ--",
                "body: part 1 has no Content-Disposition header"},
        BadBody{"--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--XyZ--",
                "body: part 1 is not form-data"},
        BadBody{"--XyZ\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XyZ--",
                "body: part 1 has no name"},
        BadBody{"--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n1\r\n--XyZ--",
                "body: part 1 has no name"},
        BadBody{"--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\n1\r\n--XyZ--",
                "body: part 1 Content-Disposition: parameter 'name' has an unterminated quote"},
        BadBody{"--XyZ\r\n" + std::string(kPartA) + std::string(kPartA) + "\r\n1\r\n--XyZ--",
                "body: part 1 has two Content-Disposition headers"},
        BadBody{"--XyZ\r\n" + std::string(kPartA) + " folded\r\n\r\n1\r\n--XyZ--",
                "body: part 1 has a folded or empty header line"},
        BadBody{"--XyZ\r\n" + std::string(kPartA) + "no colon\r\n\r\n1\r\n--XyZ--",
                "body: part 1 has a malformed header line 'no colon'"},
        BadBody{"--XyZ\r\n" + std::string(kPartA) + "X-A: a\nb\r\n\r\n1\r\n--XyZ--",
                "body: part 1 has a control character in its header"},
        BadBody{"--XyZ\r\nContent-Disposition: form-data; name=\"\xFF\"\r\n\r\n1\r\n--XyZ--",
                "body: part 1 header is not UTF-8"},
        BadBody{"--XyZ\r\n" + std::string(kPartA), "body: part 1 header is not followed"},
        BadBody{"--XyZ\r\n" + std::string(kPartA) + "\r\n1\r\n--XyZ\r\n" + std::string(kPartA) +
                    "\r\n2\r\n--XyZ--",
                "a: given more than once"},
        BadBody{"--XyZ\r\n" + std::string(kPartA) +
                    "Content-Type: a/b\r\nContent-Type: c/d\r\n\r\n1\r\n--XyZ--",
                "a: two Content-Type headers"},
        BadBody{"--XyZ\r\n" + std::string(kPartA) +
                    "Content-Transfer-Encoding: base64\r\n\r\nMQ==\r\n--XyZ--",
                "a: unsupported Content-Transfer-Encoding 'base64'"}));

TEST(Multipart, MissingClosingBoundaryIsAnError) {
  std::string body = CurlBody();
  body.resize(body.size() - std::string_view("--XyZ--\r\n").size());
  EXPECT_THAT(ParseMultipart(kType, body).status(),
              IsError(Code::kInvalidArgument, "body: missing closing boundary"));
}

TEST(Multipart, MoreThanMaxPartsIsAnError) {
  std::string body;
  for (int i = 0; i < 3; ++i) {
    body +=
        "--XyZ\r\nContent-Disposition: form-data; name=\"p" + std::to_string(i) + "\"\r\n\r\nv\r\n";
  }
  body += "--XyZ--";
  MultipartLimits limits;
  limits.max_parts = 3;
  ASSERT_OK_AND_ASSIGN(std::vector<MultipartPart> parts, ParseMultipart(kType, body, limits));
  EXPECT_EQ(parts.size(), 3u);
  limits.max_parts = 2;
  EXPECT_THAT(ParseMultipart(kType, body, limits).status(),
              IsError(Code::kInvalidArgument, "body: more than 2 parts"));
}

TEST(Multipart, PartHeaderLongerThanTheLimitIsAnError) {
  const std::string header =
      "Content-Disposition: form-data; name=\"a\"\r\nX-Pad: " + std::string(100, 'p') + "\r\n\r\n";
  const std::string body = "--XyZ\r\n" + header + "1\r\n--XyZ--";
  MultipartLimits limits;
  limits.max_part_header_bytes = header.size();
  ASSERT_OK(ParseMultipart(kType, body, limits).status());
  limits.max_part_header_bytes = header.size() - 1;
  EXPECT_THAT(ParseMultipart(kType, body, limits).status(),
              IsError(Code::kInvalidArgument, "body: part 1 header is longer than " +
                                                  std::to_string(header.size() - 1) + " bytes"));
}

TEST(Multipart, IdentityTransferEncodingsAreAccepted) {
  const std::string body =
      "--XyZ\r\n" + std::string(kPartA) + "Content-Transfer-Encoding: Binary\r\n\r\n1\r\n--XyZ--";
  ASSERT_OK_AND_ASSIGN(std::vector<MultipartPart> parts, ParseMultipart(kType, body));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].data, "1");
}

}  // namespace
}  // namespace sphere::api
