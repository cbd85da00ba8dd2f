-- wrk script: POST a new, valid customer each request (unique name and mobile per thread and request, and
-- confirmDuplicate, so earlier runs' customers in the same database never turn a POST into a 409 duplicate), as the
-- user whose access token is in SALESDESK_TOKEN. wrk_non_2xx must be 0 for the figure to mean anything.
local counter = 0
local token = os.getenv("SALESDESK_TOKEN") or ""
local thread_id = 0

function setup(thread)
    thread_id = thread_id + 1
    thread:set("tid", thread_id)
end

function request()
    counter = counter + 1
    local body = string.format(
        '{"name":"基准客户-%s-%d","region":"east-china","industry":"fasteners","contacts":[{"name":"王经理","phone":"139%02d%06d"}],"confirmDuplicate":true}',
        tostring(tid), counter, tonumber(tid) % 100, counter % 1000000)
    return wrk.format("POST", "/api/v1/customers",
        { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end

function done(summary, latency, requests)
    local non2xx = summary.errors.status
    io.write(string.format("wrk_non_2xx=%d\n", non2xx))
end
