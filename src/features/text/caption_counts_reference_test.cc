// Differential tests that pin the counting features: every real Kim caption against counts
// recorded from the implementation as it stood before the fast paths were added, and the fast
// paths against the ICU-only reference path on random captions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "features/text/caption_features.h"
#include "features/text/caption_scan.h"
#include "ingest/collecting_sink.h"
#include "ingest/formats.h"
#include "ingest/text_input.h"
#include "testing/testing.h"

namespace sphere::features {
namespace {

// One line of testdata/kim_caption_counts.tsv.gz: the shortcode, then the counting fields in
// the order of CaptionFeatures, uppercase_share as a hex float (exact) or "nan".
std::string CountsLine(const std::string& shortcode, const CaptionFeatures& f) {
  char share[64];
  if (std::isnan(f.uppercase_share)) {
    std::snprintf(share, sizeof share, "nan");
  } else {
    std::snprintf(share, sizeof share, "%a", f.uppercase_share);
  }
  std::string out = shortcode;
  for (int64_t v : {f.chars, f.words, f.hashtags, f.mentions, f.urls, f.emoji}) {
    out += '\t' + std::to_string(v);
  }
  out += '\t';
  out += share;
  for (int64_t v :
       {f.questions, f.exclamations, f.line_breaks, f.calls_to_action, f.invalid_bytes}) {
    out += '\t' + std::to_string(v);
  }
  return out;
}

std::vector<Post> KimPosts() {
  ingest::CollectingSink sink;
  const auto path = sphere::testing::DataFile("instagram/kim_posts.csv.gz");
  ingest::ImportReport report(path.string(), "kim_posts");
  const Status s = ingest::KimPostsFormat().run(path, sink, report);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::move(sink.posts);
}

// Recorded by running this test with SPHERE_WRITE_CAPTION_COUNTS=<file> (then gzip -9n) on the
// implementation before the word-count fast path and buffer reuse; not to be regenerated to
// make a change pass.
TEST(CaptionCounts, EveryKimCaptionMatchesTheRecordedCounts) {
  const std::vector<Post> posts = KimPosts();
  ASSERT_EQ(posts.size(), 29874u);

  if (const char* out_path = std::getenv("SPHERE_WRITE_CAPTION_COUNTS")) {
    std::ofstream out(out_path);
    out << "# shortcode chars words hashtags mentions urls emoji uppercase_share questions "
           "exclamations line_breaks calls_to_action invalid_bytes\n";
    for (const Post& p : posts)
      out << CountsLine(p.external_id, CountCaptionFeatures(p.caption)) << '\n';
    GTEST_SKIP() << "wrote " << out_path;
  }

  auto reader = ingest::LineReader::Open(sphere::testing::SourceDir() /
                                         "src/features/text/testdata/kim_caption_counts.tsv.gz");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  size_t index = 0;
  int mismatches = 0;
  std::string_view line;
  while (true) {
    auto more = (*reader)->Next(line);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    ASSERT_LT(index, posts.size());
    const Post& p = posts[index];
    const std::string actual = CountsLine(p.external_id, CountCaptionFeatures(p.caption));
    if (actual != line && ++mismatches <= 20) {
      ADD_FAILURE() << "caption " << index << " (" << p.external_id << ")\n expected " << line
                    << "\n actual   " << actual << "\n caption: " << p.caption;
    }
    ++index;
  }
  EXPECT_EQ(index, posts.size());
  EXPECT_EQ(mismatches, 0);
}

// Both word-count paths on one caption; every counting field must agree.
void ExpectPathsAgree(const std::string& caption) {
  CaptionFeatures fast, icu;
  text::ScanCaption(caption, &fast, text::WordCounting::kFast);
  text::ScanCaption(caption, &icu, text::WordCounting::kIcuOnly);
  ASSERT_EQ(CountsLine("", fast), CountsLine("", icu)) << "caption: \"" << caption << '"';
}

// Every string of up to `max_len` symbols drawn from `alphabet`.
template <typename Fn>
void ForAllStrings(const std::vector<std::string>& alphabet, int max_len, Fn fn) {
  std::vector<size_t> digits;
  for (int len = 1; len <= max_len; ++len) {
    digits.assign(len, 0);
    while (true) {
      std::string s;
      for (size_t d : digits) s += alphabet[d];
      fn(s);
      int k = len - 1;
      while (k >= 0 && ++digits[k] == alphabet.size()) digits[k--] = 0;
      if (k < 0) break;
    }
  }
}

TEST(WordCountFastPath, AgreesWithIcuOnEveryAsciiPair) {
  std::vector<std::string> ascii;
  for (int c = 0; c < 128; ++c) ascii.push_back(std::string(1, static_cast<char>(c)));
  ForAllStrings(ascii, 2, [](const std::string& s) { ExpectPathsAgree(s); });
  // Each character between letters, between digits and after a word: the three-character
  // contexts of WB6/7 and WB11/12.
  for (const std::string& c : ascii) {
    for (const char* around : {"a%sb", "1%s2", "a%s", "%s1", "_%s_", "@%s@", "x.%s", "9,%s"}) {
      std::string s(around);
      s.replace(s.find("%s"), 2, c);
      ExpectPathsAgree(s);
    }
  }
}

TEST(WordCountFastPath, AgreesWithIcuOnAllShortStringsOfTheAsciiClasses) {
  // One character of each ASCII word-break behaviour, and some that are plain Other.
  const std::vector<std::string> classes = {"a", "Z",  "@", "1",  "_",  ".",  ",",  ";", ":",
                                            "'", "\"", " ", "\r", "\n", "\v", "\t", "-"};
  ForAllStrings(classes, 4, [](const std::string& s) { ExpectPathsAgree(s); });
  const std::vector<std::string> joiners = {"a", "@", "1", "_", ".", ",", "'", " ", "-"};
  ForAllStrings(joiners, 6, [](const std::string& s) { ExpectPathsAgree(s); });
}

TEST(WordCountFastPath, AgreesWithIcuNextToNonAscii) {
  const std::vector<std::string> symbols = {"a",
                                            "1",
                                            "@",
                                            "_",
                                            ".",
                                            ",",
                                            "'",
                                            "\"",
                                            " ",
                                            "\n",
                                            "\r",
                                            "-",
                                            "#",
                                            "\xC3\xA9" /* é */,
                                            "\xCC\x81" /* U+0301 */,
                                            "\xD7\x90" /* alef */,
                                            "\xF0\x9F\x98\x80" /* 😀 */,
                                            "\xE2\x80\x8D" /* ZWJ */,
                                            "\xEF\xB8\x8F" /* FE0F */,
                                            "\xE3\x80\x80" /* U+3000 */,
                                            "\xF0\x9F\x87\xAB" /* RI F */,
                                            "\xE6\x97\xA5" /* 日 */,
                                            "\xE0\xB8\x81" /* Thai */,
                                            "\xC2\xAD" /* soft hyphen */,
                                            "\xE2\x80\x99" /* ’ */,
                                            "\xE2\x83\xA3" /* U+20E3 */,
                                            "\xE3\x82\xAB" /* カ */,
                                            "\xFF"};
  ForAllStrings(symbols, 3, [](const std::string& s) { ExpectPathsAgree(s); });
}

TEST(WordCountFastPath, AgreesWithIcuOnRandomCaptions) {
  const std::vector<std::string> pieces = {
      "love",
      "Love",
      "NYC",
      "it's",
      "don't",
      "rock'n'roll",
      "e.g.",
      "U.S.A",
      "a.b.c",
      "1,000",
      "3.14",
      "1.2.3",
      "10,5",
      "2'000",
      "12:30",
      "9;8",
      "_",
      "__",
      "snake_case",
      "x_1",
      "@",
      "me@example.com",
      "@kim",
      "@kim.k",
      "@a..b",
      "#tbt",
      "#love#life",
      "#2018",
      "#caf\xC3\xA9",
      "&#39;",
      "C#",
      "https://example.com/a?b=c",
      "www.shop.com",
      "shop.com/x",
      "log.in",
      "http://x.io.",
      "(link)",
      "\"quoted\"",
      "'single'",
      "...",
      "?!",
      "!!!",
      "???",
      "-",
      "--",
      "/",
      "*",
      "1\xEF\xB8\x8F\xE2\x83\xA3" /* 1️⃣ */,
      "#\xEF\xB8\x8F\xE2\x83\xA3",
      "\xE2\x9D\xA4\xEF\xB8\x8F" /* ❤️ */,
      "\xE2\x9D\xA4" /* ❤ */,
      "\xF0\x9F\x98\x8D" /* 😍 */,
      "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD" /* 👍🏽 */,
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7" /* family */,
      "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7" /* 🇫🇷 */,
      "\xF0\x9F\x87\xAB" /* lone RI */,
      "caf\xC3\xA9",
      "na\xC3\xAFve",
      "\xC3\xA9t\xC3\xA9",
      "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82",
      "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D" /* Hebrew */,
      "\xD7\x90\"\xD7\x91" /* Hebrew gershayim */,
      "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7" /* Arabic */,
      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
      "\xE0\xB8\xAA\xE0\xB8\xA7\xE0\xB8\xB1\xE0\xB8\xAA\xE0\xB8\x94\xE0\xB8\xB5" /* Thai */,
      "\xE3\x82\xAB\xE3\x82\xBF\xE3\x82\xAB\xE3\x83\x8A",
      "it\xE2\x80\x99s" /* it’s */,
      "e\xCC\x81" /* e + U+0301 */,
      "\xC2\xAD",
      "\xE2\x80\x8B" /* ZWSP */,
      "\xE3\x80\x80",
      "\xC2\xA0" /* NBSP */,
      "\xEF\xBC\x83tag" /* ＃tag */,
      "\xE2\x80\xA6" /* … */,
      "\xFF",
      "\xF0\x9F",
      "\xE2\x80\x9C" /* “ */,
      "\xE2\x80\x9D",
      "\xC2\xA9",
      "\xE2\x84\xA2"};
  const std::vector<std::string> gaps = {"",   " ",    " ",  " ",  "  ",
                                         "\n", "\r\n", "\r", "\t", ",",
                                         ".",  "!",    "'",  ":",  "\xF0\x9F\x98\x8D"};
  std::mt19937 rng(20261125);
  for (int n = 0; n < 20000; ++n) {
    std::string caption;
    const int len = static_cast<int>(rng() % 24);
    for (int k = 0; k < len; ++k) {
      caption += pieces[rng() % pieces.size()];
      caption += gaps[rng() % gaps.size()];
    }
    ExpectPathsAgree(caption);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace sphere::features
