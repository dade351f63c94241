#include "core/split.h"

namespace sphere {

int SplitBucket(std::string_view creator_key) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : creator_key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<int>(h % 100);
}

Split SplitOf(std::string_view creator_key) {
  const int bucket = SplitBucket(creator_key);
  if (bucket < 70) return Split::kTrain;
  if (bucket < 85) return Split::kValidation;
  return Split::kTest;
}

std::string_view ToString(Split split) {
  switch (split) {
    case Split::kTrain:
      return "train";
    case Split::kValidation:
      return "validation";
    case Split::kTest:
      return "test";
  }
  return "?";
}

}  // namespace sphere
