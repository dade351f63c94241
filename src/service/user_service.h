// API users and their keys. A key is "sk_" + 43 characters of base64url (32 random bytes
// from libsodium); the store keeps only its BLAKE2b-256 hash (hex), so a leaked database
// leaks no key. Keys are high-entropy, so an unsalted fast hash is the right tool (as for
// GitHub or Stripe tokens); a password hash would only slow every request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/domain.h"
#include "core/status.h"
#include "store/store.h"

namespace sphere::service {

struct NewUser {
  User user;
  std::string api_key;  // shown once; never stored
};

// InvalidArgument "name: ..." for an empty name, one over 100 bytes or with control characters.
Result<NewUser> AddUser(Store& store, std::string_view name, Role role, UnixSeconds now);

// The hex hash the store keys users by.
std::string HashApiKey(std::string_view api_key);

// True when `text` has the shape of a key (prefix, length, alphabet): lets callers refuse
// garbage without a store lookup.
bool LooksLikeApiKey(std::string_view text);

// The key's user, or nullopt for an unknown key.
Result<std::optional<User>> FindUserByApiKey(Store& store, std::string_view api_key);

}  // namespace sphere::service
