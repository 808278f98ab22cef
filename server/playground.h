// The playground (GET /): one page, embedded in the binary at build time from
// server/playground/page.html, where a lawyer edits a policy, a contact and a campaign
// and sees the diagnostics, the tests, the decision and its explanation as they type.
// The page asks POST /v1/playground, which compiles the edited file beside the served
// ones (never replacing what serves), runs their tests, decides and explains.
#pragma once

#include <string>
#include <string_view>

namespace lawful::server {

// The page (generated from server/playground/page.html).
std::string_view playground_page();

// The answer to POST /v1/playground: `body` is {"file": NAME, "policy": TEXT, "contact":
// TEXT, "campaign": TEXT, "as_of": "YYYY-MM-DD" or ""}; `policies` the served path.
std::string playground_answer(const std::string& policies, const std::string& body, int& status);

// GET /v1/playground/files: the served .law files, {"files": [{"name", "text"}]}.
std::string playground_files(const std::string& policies);

}  // namespace lawful::server
