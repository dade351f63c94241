// The text a niche model sees: a post's caption and its image description reduced to one
// line of space-separated tokens. Training and prediction must use the same version;
// a model records kNicheTextVersion in its manifest and refuses to load under another.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sphere::niche {

// Bump whenever NicheText's output changes for any input.
inline constexpr int kNicheTextVersion = 1;

// Caption: ASCII lower-cased; '#' dropped from hashtags (#OOTD -> ootd) so a tag and the
// word count as one; URLs -> "__url__"; an @mention -> "__mention__ @handle" (brands and
// friends tagged are shared across creators: keeping the handle measured +0.005 on the
// validation objective); ASCII punctuation
// separates tokens; emoji and other symbols become tokens of their own, without
// variation selectors, joiners and skin tones.
// Image description ("Image may contain: 2 people, food"): the "image may contain"
// preamble dropped, each word prefixed "img_" so the model can tell what Instagram saw
// from what the creator wrote; "No photo description available." -> "img_none".
std::string NicheText(std::string_view caption, std::string_view image_description);

// NicheText's tokens.
std::vector<std::string_view> Tokens(std::string_view niche_text);

}  // namespace sphere::niche
