-- wrk script: POST a fixed 300-byte JSON body on every request (bench/http_bench_server.cc).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"post_text":"Morning run along the river with the new trail shoes, 10k in 52 minutes #running #fitness","platform":"instagram","handle":"trail.anna","followers":48210,"media_type":"image","published_at":"2026-11-20T07:15:00Z","hashtags":["running","fitness"],"explain":false,"pad":"xxxxxxxxxxxxxxx"}'
