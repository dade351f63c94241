// One factory per source format; Formats() in formats.cc lists them in detection order.
// Each lives beside its importer under sources/ (the real data in data/, see
// data/SOURCES.md) or canonical/ (the documented formats of docs/data-formats.md).
#pragma once

#include "ingest/importer.h"

namespace sphere::ingest {

// sources/kim.cc — Kim et al. Instagram Influencer Dataset.
Format KimPostsFormat();        // instagram/kim_posts.csv.gz
Format KimInfluencersFormat();  // instagram/kim_influencers.txt
// sources/top200.cc — Kaggle top-200 Instagram influencers (~2022).
Format Top200InstagramFormat();
// sources/instagram_reach.cc — Kaggle "Instagram Reach" (100 posts).
Format InstagramReachFormat();
// sources/smi2022.cc — Social Media Influencers 2022, every month and platform.
Format Smi2022Format();
// sources/socialblade.cc — Social Blade weekly gains and the channel list.
Format SocialBladeWeeklyFormat();
Format SocialBladeChannelsFormat();
// sources/global_youtube.cc — Global YouTube Statistics 2023 (Windows-1252).
Format GlobalYoutubeFormat();
// sources/tiktok_trending.cc — tiktok-scraper output of trending videos.
Format TikTokTrendingFormat();
// canonical/ — the documented CSV (one file per entity) and JSONL formats.
Format CanonicalCreatorsCsvFormat();
Format CanonicalPostsCsvFormat();
Format CanonicalSnapshotsCsvFormat();
Format CanonicalJsonlFormat();

}  // namespace sphere::ingest
