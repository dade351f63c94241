// Progress display for long work: a redrawn bar on a terminal, plain lines otherwise
// (so logs and CI output stay readable).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

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

// "1,234,567"
std::string WithThousands(int64_t n);

}  // namespace sphere::cli
