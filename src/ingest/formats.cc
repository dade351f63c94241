#include "ingest/formats.h"

namespace sphere::ingest {

const std::vector<Format>& Formats() {
  // Canonical formats first: their headers are exact, so they never shadow a source.
  static const std::vector<Format> kFormats = {
      CanonicalCreatorsCsvFormat(),
      CanonicalPostsCsvFormat(),
      CanonicalSnapshotsCsvFormat(),
      CanonicalJsonlFormat(),
      KimPostsFormat(),
      KimInfluencersFormat(),
      Top200InstagramFormat(),
      InstagramReachFormat(),
      Smi2022Format(),
      SocialBladeWeeklyFormat(),
      SocialBladeChannelsFormat(),
      GlobalYoutubeFormat(),
      TikTokTrendingFormat(),
  };
  return kFormats;
}

}  // namespace sphere::ingest
