#include "cli/progress.h"

#include <sys/resource.h>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace sphere::cli {

double PeakMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

std::string WithThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

Progress::Progress(std::string label, int64_t total, std::FILE* out)
    : label_(std::move(label)),
      total_(total),
      out_(out),
      terminal_(::isatty(::fileno(out)) == 1),
      started_(std::chrono::steady_clock::now()),
      last_draw_(started_) {}

Progress::~Progress() { Finish(); }

void Progress::Update(int64_t done) {
  done_ = done;
  auto now = std::chrono::steady_clock::now();
  auto interval = terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (now - last_draw_ < interval) return;
  last_draw_ = now;
  Draw(false);
}

void Progress::Finish() {
  if (finished_) return;
  finished_ = true;
  Draw(true);
}

void Progress::Draw(bool final_draw) {
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0;
  std::string text;
  if (total_ > 0) {
    constexpr int kWidth = 30;
    double fraction = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    int filled = static_cast<int>(fraction * kWidth);
    text = fmt::format("{} [{}{}] {:5.1f}% {}/{} {:.0f}/s {:.1f}s", label_,
                       std::string(filled, '#'), std::string(kWidth - filled, ' '), fraction * 100,
                       WithThousands(done_), WithThousands(total_), rate, seconds);
  } else {
    text = fmt::format("{} {} {:.0f}/s {:.1f}s", label_, WithThousands(done_), rate, seconds);
  }
  if (terminal_) {
    fmt::print(out_, "\r\033[2K{}{}", text, final_draw ? "\n" : "");
  } else if (!final_draw) {
    fmt::print(out_, "{}\n", text);  // the final state is part of the caller's summary
  }
  std::fflush(out_);
}

}  // namespace sphere::cli
