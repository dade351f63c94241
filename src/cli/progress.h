// Progress display for long work: a redrawn bar on a terminal, plain lines otherwise
// (so logs and CI output stay readable).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace sphere::cli {

class Progress {
 public:
  // `total` <= 0 means unknown: a counter with a rate instead of a bar.
  Progress(std::string label, int64_t total, std::FILE* out = stdout);
  ~Progress();

  // Reports that `done` units are finished. Cheap: redraws at most ~10 times a second
  // on a terminal and prints a plain line at most every 5 seconds otherwise.
  void Update(int64_t done);
  // Draws the final state and ends the line.
  void Finish();

 private:
  void Draw(bool final_draw);

  std::string label_;
  int64_t total_;
  std::FILE* out_;
  bool terminal_;
  bool finished_ = false;
  int64_t done_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
};

// One progress line per stage of a long job (training: "features", "grid 2/6", ...): a new
// stage name finishes the previous line.
class StageProgress {
 public:
  void operator()(std::string_view stage, int64_t done, int64_t total) {
    if (!progress_ || stage != stage_) {
      if (progress_) progress_->Finish();
      stage_ = std::string(stage);
      progress_.emplace("  " + stage_, total);
    }
    progress_->Update(done);
  }
  void Finish() {
    if (progress_) progress_->Finish();
    progress_.reset();
  }

 private:
  std::string stage_;
  std::optional<Progress> progress_;
};

// This process's peak resident memory so far, in MiB.
double PeakMiB();

// "1,234,567"
std::string WithThousands(int64_t n);

}  // namespace sphere::cli
