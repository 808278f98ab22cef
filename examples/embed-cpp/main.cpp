// Decides for every contact of a file and one campaign, and prints one decision (JSON)
// per contact.
//
//   embed-cpp POLICIES CONTACTS.jsonl CAMPAIGN.json
//
// POLICIES is a directory of .law files, a .law file or a .lawc file; CONTACTS.jsonl
// holds one contact (a JSON object) per line, CAMPAIGN.json one object (FACTS.md).
// Exit status: 0 every contact decided, 1 the policies or some facts could not be used,
// 2 usage.
#include <lawful/lawful.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " POLICIES CONTACTS.jsonl CAMPAIGN.json\n";
    return 2;
  }
  // Compile the policies; errors come back as diagnostics, not exceptions.
  auto loaded = lawful::Engine::load(argv[1]);
  if (!loaded) {
    std::cerr << loaded.diagnostics().text() << "embed-cpp: " << loaded.message() << "\n";
    return 1;
  }
  lawful::Engine engine = loaded.value();

  std::ifstream contacts_in(argv[2]), campaign_in(argv[3]);
  if (!contacts_in || !campaign_in) {
    std::cerr << "embed-cpp: cannot read " << (contacts_in ? argv[3] : argv[2]) << "\n";
    return 1;
  }
  std::stringstream campaign;
  campaign << campaign_in.rdbuf();
  std::vector<std::string> lines;
  for (std::string line; std::getline(contacts_in, line);)
    if (!line.empty()) lines.push_back(line);
  std::vector<std::string_view> contacts(lines.begin(), lines.end());

  // One batch: one policy version, the campaign read once.
  std::vector<lawful::Decision> decisions;
  lawful::Status status = engine.decide_batch(campaign.str(), contacts, decisions);
  for (const lawful::Decision& d : decisions) std::cout << d.json() << "\n";
  return status == lawful::Status::ok ? 0 : 1;
}
