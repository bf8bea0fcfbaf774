-- wrk -s bench/review.lua: POST /review with the langqi-jiangjing proposal against every ruleset.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[{"dataset": "demo", "proposal": {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"layer": "小区", "id": "PLAN-2", "name": "琅岐江景苑", "households": 2400, "kind": "新建"}, "geometry": {"type": "Polygon", "coordinates": [[[119.56, 25.983], [119.5614, 25.983], [119.5614, 25.984], [119.56, 25.984], [119.56, 25.983]]]}}, {"type": "Feature", "properties": {"layer": "设施", "id": "PLAN-F2", "name": "琅岐江景苑配建养老用房", "tier": "station", "floor_area_m2": 320, "status": "planned", "serves": ["PLAN-2"]}, "geometry": {"type": "Point", "coordinates": [119.5616, 25.9836]}}]}}]==]
