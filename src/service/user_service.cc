#include "service/user_service.h"

#include <sodium.h>

#include <array>

namespace sphere::service {
namespace {

constexpr std::string_view kKeyPrefix = "sk_";
constexpr size_t kKeyBytes = 32;
// sodium_base64_ENCODED_LEN(32, URLSAFE_NO_PADDING) - 1 (the terminating NUL)
constexpr size_t kKeyTextLength = 43;

Status EnsureSodium() {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  return Status::Ok();
}

}  // namespace

std::string HashApiKey(std::string_view api_key) {
  std::array<unsigned char, crypto_generichash_BYTES> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(api_key.data()), api_key.size(),
                     nullptr, 0);
  std::string hex(digest.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return hex;
}

bool LooksLikeApiKey(std::string_view text) {
  if (text.size() != kKeyPrefix.size() + kKeyTextLength || !text.starts_with(kKeyPrefix)) {
    return false;
  }
  for (char c : text.substr(kKeyPrefix.size())) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<NewUser> AddUser(Store& store, std::string_view name, Role role, UnixSeconds now) {
  if (name.empty()) return InvalidArgument("name: must not be empty");
  if (name.size() > 100) return InvalidArgument("name: longer than 100 bytes");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return InvalidArgument("name: must not contain control characters");
  }
  SPHERE_RETURN_IF_ERROR(EnsureSodium());
  std::array<unsigned char, kKeyBytes> secret{};
  randombytes_buf(secret.data(), secret.size());
  std::string text(kKeyTextLength + 1, '\0');
  sodium_bin2base64(text.data(), text.size(), secret.data(), secret.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.pop_back();
  sodium_memzero(secret.data(), secret.size());

  NewUser created;
  created.api_key = std::string(kKeyPrefix) + text;
  User user;
  user.name = std::string(name);
  user.role = role;
  user.api_key_hash = HashApiKey(created.api_key);
  user.created_at = now;
  SPHERE_ASSIGN_OR_RETURN(created.user, store.CreateUser(user));
  return created;
}

Result<std::optional<User>> FindUserByApiKey(Store& store, std::string_view api_key) {
  if (!LooksLikeApiKey(api_key)) return std::optional<User>();
  return store.FindUserByKeyHash(HashApiKey(api_key));
}

}  // namespace sphere::service
