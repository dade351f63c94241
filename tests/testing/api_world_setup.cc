// The ctest fixture test that builds the API test world (api_world.h) once per build tree.
#include <cstdio>

#include "testing/api_world.h"

int main() {
  const sphere::Status built = sphere::testing::BuildApiWorld(sphere::testing::ApiWorldDir());
  if (!built.ok()) {
    std::fprintf(stderr, "api_world_setup: %s\n", built.ToString().c_str());
    return 1;
  }
  std::printf("api world ready at %s\n", sphere::testing::ApiWorldDir().c_str());
  return 0;
}
