// The synthetic contact generator; see gen_contacts.h. Every contact draws from its own
// random stream (the seed and its index), so contact i is the same whatever N is.
#include "cli/gen_contacts.h"

#include <iterator>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "runtime/core/dates.h"
#include "runtime/facts/records.h"

namespace lawful::cli {

namespace {

struct Country {
  const char* code;
  double weight;
  const char* dial;      // E.164 prefix
  const char* tld;       // for work addresses
  const char* webmail[3];
  int names;             // which name list
};

// Where a European B2B/B2C CRM's contacts live, with a few the policies do not cover.
const Country kCountries[] = {
    {"GB", 30, "+447", "co.uk", {"gmail.com", "yahoo.co.uk", "btinternet.com"}, 0},
    {"FR", 11, "+336", "fr", {"orange.fr", "gmail.com", "free.fr"}, 1},
    {"DE", 11, "+4915", "de", {"gmx.de", "web.de", "t-online.de"}, 2},
    {"IE", 3, "+3538", "ie", {"gmail.com", "eircom.net", "outlook.com"}, 0},
    {"ES", 4, "+346", "es", {"gmail.com", "hotmail.es", "yahoo.es"}, 3},
    {"IT", 4, "+393", "it", {"libero.it", "gmail.com", "virgilio.it"}, 3},
    {"NL", 3, "+316", "nl", {"ziggo.nl", "gmail.com", "kpnmail.nl"}, 2},
    {"BE", 2, "+324", "be", {"skynet.be", "gmail.com", "telenet.be"}, 1},
    {"PL", 2, "+485", "pl", {"wp.pl", "onet.pl", "gmail.com"}, 2},
    {"SE", 1, "+467", "se", {"gmail.com", "telia.com", "hotmail.se"}, 2},
    {"US", 17, "+1", "com", {"gmail.com", "yahoo.com", "aol.com"}, 0},
    {"CA", 6, "+1", "ca", {"gmail.com", "rogers.com", "shaw.ca"}, 0},
    {"JP", 2, "+819", "co.jp", {"gmail.com", "yahoo.co.jp", "docomo.ne.jp"}, 4},
    {"AU", 2, "+614", "com.au", {"gmail.com", "bigpond.com", "outlook.com"}, 0},
    {"BR", 1, "+55119", "com.br", {"gmail.com", "uol.com.br", "hotmail.com"}, 3},
    {"IN", 1, "+919", "in", {"gmail.com", "rediffmail.com", "yahoo.in"}, 0},
};

// First and last names by region, with the accents real exports carry.
const char* kFirst[5][8] = {
    {"James", "Olivia", "Sam", "Amelia", "Tom", "Priya", "Liam", "Chloe"},
    {"Camille", "Léa", "Hugo", "Chloé", "Théo", "Zoé", "Mathéo", "Inès"},
    {"Lukas", "Jürgen", "Anna", "Björn", "Lena", "Jörg", "Sophie", "Max"},
    {"José", "María", "Lucía", "Giulia", "Marco", "Sofía", "Álvaro", "Chiara"},
    {"Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Mei"},
};
const char* kLast[5][8] = {
    {"Smith", "Jones", "Carter", "O'Neill", "Patel", "Brown", "Hughes", "Walker"},
    {"Martin", "Bernard", "Lefèvre", "Dubois", "Moreau", "Rousseau", "Girard", "Lambert"},
    {"Müller", "Schmidt", "Schäfer", "Weiß", "Becker", "Hoffmann", "Krüger", "Wagner"},
    {"García", "Rossi", "Fernández", "Bianchi", "López", "Romano", "Martínez", "Ricci"},
    {"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"},
};
// ASCII forms for addresses.
const char* kFirstAscii[5][8] = {
    {"james", "olivia", "sam", "amelia", "tom", "priya", "liam", "chloe"},
    {"camille", "lea", "hugo", "chloe", "theo", "zoe", "matheo", "ines"},
    {"lukas", "juergen", "anna", "bjoern", "lena", "joerg", "sophie", "max"},
    {"jose", "maria", "lucia", "giulia", "marco", "sofia", "alvaro", "chiara"},
    {"haruto", "yui", "sota", "hina", "ren", "aoi", "yuto", "mei"},
};
const char* kLastAscii[5][8] = {
    {"smith", "jones", "carter", "oneill", "patel", "brown", "hughes", "walker"},
    {"martin", "bernard", "lefevre", "dubois", "moreau", "rousseau", "girard", "lambert"},
    {"mueller", "schmidt", "schaefer", "weiss", "becker", "hoffmann", "krueger", "wagner"},
    {"garcia", "rossi", "fernandez", "bianchi", "lopez", "romano", "martinez", "ricci"},
    {"sato", "suzuki", "takahashi", "tanaka", "watanabe", "ito", "yamamoto", "nakamura"},
};
const char* kCompanies[] = {"acme-widgets", "brightline",  "cobalt-logistics", "delta-foods", "evergreen-energy",
                            "fjord-design", "granite-labs", "harbour-health",   "ironbridge",  "juniper-retail"};
const char* kRoleBoxes[] = {"info", "sales", "contact", "office", "hello"};
const char* kRoles[] = {"it", "marketing", "sales", "finance", "hr", "executive", "operations", "legal", "procurement", "other"};
const char* kProducts[] = {"garden_tools", "kitchenware", "power_tools", "furniture", "lighting", "paint"};
const char* kControllers[] = {"Brightline Media", "Delta Partners", "Leadgen Europe Ltd", "Harbour Health"};

struct Weighted {
  const char* name;  // null: the field is left out (unknown)
  double weight;
};
const Weighted kEntities[] = {{"company", 34}, {"llp", 3},     {"public_body", 3},   {"scottish_partnership", 0.5},
                              {"partnership", 3}, {"sole_trader", 10}, {"consumer", 40}, {"unknown", 3}, {nullptr, 3.5}};
const Weighted kSources[] = {{"direct", 30},        {"customer", 20}, {"purchased_list", 8}, {"partner_list", 6},
                             {"enrichment", 6},     {"public_directory", 5}, {"scraped", 2}, {"business_card", 8},
                             {"unknown", 5},        {nullptr, 10}};
const Weighted kMethods[] = {{"unticked_checkbox", 45}, {"double_opt_in", 25}, {"pre_ticked", 8}, {"bundled", 6},
                             {"verbal", 5},             {"inferred", 3},       {"written", 8}};
const Weighted kConsentChannels[] = {{"email", 60}, {"sms", 15}, {"phone", 15}, {"automated_call", 3}, {"post", 7}};

template <size_t N>
const char* pick(ContactGenerator&, const Weighted (&w)[N], double r) {
  double total = 0;
  for (const Weighted& x : w) total += x.weight;
  double at = r * total;
  for (const Weighted& x : w) {
    if (at < x.weight) return x.name;
    at -= x.weight;
  }
  return w[N - 1].name;
}

uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void date(std::string& out, Days d) { out += format_date(d); }

// A charity supporter (FACTS.md `supporter`), for some consumers in GB, drawn from a
// stream of its own, so that every other field is what it would be without it.
struct Supporter {
  bool present = false;
  int support_given = -1, interest_expressed = -1, opt_out = -1;  // -1 absent, else 0 or 1
  Days collected_at = 0;                                           // 0: absent
  bool by_sender = false;                                          // else by a fundraising platform
};

constexpr const char* kPlatform = "GiveNow Platform Ltd";

Supporter draw_supporter(uint64_t seed, uint64_t i, bool gb_consumer) {
  Supporter s;
  if (!gb_consumer) return s;
  uint64_t x = seed * 0x9fb21c651e98df25ull ^ (i + 1) * 0xd1b54a32d192ed03ull;
  auto chance = [&](double p) { return static_cast<double>(splitmix(x) >> 11) * 0x1.0p-53 < p; };
  auto flag = [&](double known, double yes) { return chance(known) ? (chance(yes) ? 1 : 0) : -1; };
  if (!chance(0.12)) return s;
  s.present = true;
  s.support_given = flag(0.95, 0.7);
  s.interest_expressed = flag(0.9, 0.5);
  // Within three years before 2026-11-01: some before 5 February 2026, some after.
  if (chance(0.95)) s.collected_at = days_from_civil(2026, 11, 1) - static_cast<Days>((splitmix(x) >> 33) % (3 * 365));
  s.by_sender = chance(0.85);  // always known: a CSV row shows the supporter present
  s.opt_out = flag(0.95, 0.9);
  return s;
}

}  // namespace

ContactGenerator::ContactGenerator(const GenOptions& o) : o_(o), state_(o.seed) {
  append_json_string(sender_json_, o_.sender);  // the sender is the user's: any text
}

uint64_t ContactGenerator::next() { return splitmix(state_); }

void ContactGenerator::header(std::string& out) const {
  out += "id,email,phone,email_kind,country,entity,role,source,published_address,no_solicitation_notice,objected,"
         "suppressed,tps,ctps,bloctel,dnc,last_contact,customer.last_purchase,customer.opt_out_offered,"
         "supporter.support_given,supporter.interest_expressed,supporter.collected_at,supporter.collected_by,"
         "supporter.opt_out_offered\n";
}

void ContactGenerator::contact(std::string& out, uint64_t i) {
  state_ = o_.seed * 0x2545f4914f6cdd1dull ^ (i + 1) * 0x9e3779b97f4a7c15ull;
  next();
  auto o = std::back_inserter(out);
  auto r01 = [&] { return static_cast<double>(next() >> 11) * 0x1.0p-53; };

  double total = 0;
  for (const Country& c : kCountries) total += c.weight;
  double at = r01() * total;
  const Country* country = &kCountries[0];
  for (const Country& c : kCountries) {
    if (at < c.weight) {
      country = &c;
      break;
    }
    at -= c.weight;
  }
  const char* entity = pick(*this, kEntities, r01());
  if (entity && std::string_view(entity) == "scottish_partnership" && std::string_view(country->code) != "GB")
    entity = "partnership";
  bool consumer = entity && (std::string_view(entity) == "consumer");
  bool b2b = entity && !consumer && std::string_view(entity) != "unknown";
  int nl = country->names;
  uint32_t fi = below(8), li = below(8);

  // Email and its kind.
  std::string email;
  const char* kind = nullptr;
  if (consumer || (!b2b && chance(0.5))) {
    email = fmt::format("{}.{}{}@{}", kFirstAscii[nl][fi], kLastAscii[nl][li], below(100), country->webmail[below(3)]);
    kind = "personal";
  } else {
    const char* company = kCompanies[below(10)];
    if (chance(0.2)) {
      email = fmt::format("{}@{}.{}", kRoleBoxes[below(5)], company, country->tld);
      kind = "generic_role";
    } else {
      email = fmt::format("{}.{}@{}.{}", kFirstAscii[nl][fi], kLastAscii[nl][li], company, country->tld);
      kind = "professional";
    }
  }
  bool has_email = chance(0.94);
  bool has_kind = has_email && chance(0.9);
  bool has_phone = chance(0.8);
  std::string phone = std::string_view(country->dial) == "+1"
                          ? fmt::format("+1{}{:09}", 2 + below(8), next() % 1000000000)
                          : fmt::format("{}{:08}", country->dial, next() % 100000000);
  const char* role = b2b && chance(0.8) ? kRoles[below(10)] : nullptr;
  const char* source = pick(*this, kSources, r01());
  bool gb = std::string_view(country->code) == "GB";
  bool fr = std::string_view(country->code) == "FR";
  bool na = std::string_view(country->code) == "US" || std::string_view(country->code) == "CA";
  Days today = days_from_civil(2026, 11, 1);
  Days last_contact = today - static_cast<Days>(below(6 * 365));
  // Flags: -1 absent (unknown), else 0 or 1.
  auto flag = [&](double known, double yes) { return chance(known) ? (chance(yes) ? 1 : 0) : -1; };
  struct Flag {
    const char* name;
    int value;
  };
  Flag flags[] = {
      {"published_address", flag(b2b ? 0.7 : 0.2, 0.3)},
      {"no_solicitation_notice", flag(b2b ? 0.6 : 0.1, 0.1)},
      {"objected", flag(0.97, 0.04)},
      {"suppressed", flag(0.98, 0.02)},
      {"tps", flag(gb && has_phone ? 0.9 : 0.05, 0.25)},
      {"ctps", flag(gb && b2b ? 0.8 : 0.02, 0.15)},
      {"bloctel", flag(fr ? 0.85 : 0.02, 0.2)},
      {"dnc", flag(na ? 0.9 : 0.02, 0.3)},
  };
  // A quarter are customers: what they bought or negotiated, and whether an opt-out was
  // offered when their details were taken.
  bool customer = chance(0.25);
  uint32_t n_purchased = below(3);
  uint32_t purchased[2] = {below(6), below(6)};
  int negotiated = chance(0.2) ? static_cast<int>(below(6)) : -1;
  Days last_purchase = today - static_cast<Days>(below(4 * 365));
  Days last_inquiry = chance(0.5) ? today - static_cast<Days>(below(3 * 365)) : 0;
  int opt_out = flag(0.95, 0.88);
  const Supporter sup = draw_supporter(o_.seed, i, gb && consumer);
  auto yes_no = [](int v) { return v ? "true" : "false"; };

  if (o_.csv) {
    auto cell = [&](bool has, std::string_view v) {
      if (has) out.append(v.data(), v.size());
      out += ',';
    };
    fmt::format_to(o, "c-{:08},", i + 1);
    cell(has_email, email);
    cell(has_phone, phone);
    cell(has_kind, kind);
    cell(true, country->code);
    cell(entity != nullptr, entity ? entity : "");
    cell(role != nullptr, role ? role : "");
    cell(source != nullptr, source ? source : "");
    for (const Flag& f : flags) cell(f.value >= 0, f.value > 0 ? "true" : "false");
    date(out, last_contact);
    out += ',';
    if (customer && n_purchased) date(out, last_purchase);
    out += ',';
    cell(customer && opt_out >= 0, opt_out > 0 ? "true" : "false");
    cell(sup.support_given >= 0, yes_no(sup.support_given));
    cell(sup.interest_expressed >= 0, yes_no(sup.interest_expressed));
    if (sup.collected_at) date(out, sup.collected_at);
    out += ',';
    if (sup.present) append_csv_field(out, sup.by_sender ? std::string_view(o_.sender) : kPlatform);  // --sender may hold a comma
    out += ',';
    if (sup.opt_out >= 0) out += yes_no(sup.opt_out);
    out += '\n';
    return;
  }

  fmt::format_to(o, "{{\"id\": \"c-{:08}\"", i + 1);
  fmt::format_to(o, ", \"name\": \"{} {}\"", kFirst[nl][fi], kLast[nl][li]);  // not a fact: ignored
  if (has_email) fmt::format_to(o, ", \"email\": \"{}\"", email);
  if (has_phone) fmt::format_to(o, ", \"phone\": \"{}\"", phone);
  if (has_kind) fmt::format_to(o, ", \"email_kind\": \"{}\"", kind);
  fmt::format_to(o, ", \"country\": \"{}\"", country->code);
  if (entity) fmt::format_to(o, ", \"entity\": \"{}\"", entity);
  if (role) fmt::format_to(o, ", \"role\": \"{}\"", role);
  if (source) fmt::format_to(o, ", \"source\": \"{}\"", source);

  // Consents: most consumers who were asked, fewer businesses; a few exports leave the
  // list out altogether (unknown).
  if (chance(0.97)) {
    out += ", \"consents\": [";
    uint32_t n = chance(consumer ? 0.55 : 0.3) ? 1 + below(3) : 0;
    for (uint32_t k = 0; k < n; ++k) {
      if (k) out += ", ";
      const char* ch = pick(*this, kConsentChannels, r01());
      bool to_sender = chance(0.75);
      const char* other = to_sender ? nullptr : kControllers[below(4)];
      Days given = today - static_cast<Days>(below(8 * 365));
      fmt::format_to(o, "{{\"channel\": \"{}\", \"purpose\": \"{}\", \"controller\": ", ch,
                     chance(0.9) ? "marketing" : "newsletter");
      if (other) fmt::format_to(o, "\"{}\"", other);
      else out += sender_json_;
      if (other && chance(0.4)) fmt::format_to(o, ", \"third_parties\": [{}, \"{}\"]", sender_json_, kControllers[below(4)]);
      out += ", \"given_at\": \"";
      date(out, given);
      out += '"';
      if (chance(0.08)) {
        out += ", \"withdrawn_at\": \"";
        date(out, given + static_cast<Days>(below(700)) + 1);
        out += '"';
      }
      if (chance(0.97)) fmt::format_to(o, ", \"method\": \"{}\"", pick(*this, kMethods, r01()));
      out += '}';
    }
    out += ']';
  }
  if (customer) {
    out += ", \"customer\": {\"purchased\": [";
    for (uint32_t k = 0; k < n_purchased; ++k) fmt::format_to(o, "{}\"{}\"", k ? ", " : "", kProducts[purchased[k]]);
    out += ']';
    if (negotiated >= 0) fmt::format_to(o, ", \"negotiated\": [\"{}\"]", kProducts[negotiated]);
    if (n_purchased) {
      out += ", \"last_purchase\": \"";
      date(out, last_purchase);
      out += '"';
    }
    if (last_inquiry) {
      out += ", \"last_inquiry\": \"";
      date(out, last_inquiry);
      out += '"';
    }
    if (opt_out >= 0) fmt::format_to(o, ", \"opt_out_offered\": {}", opt_out ? "true" : "false");
    out += '}';
  }
  if (sup.present) {
    const char* sep = "";
    out += ", \"supporter\": {";
    auto field = [&](const char* name, int v) {
      if (v >= 0) fmt::format_to(o, "{}\"{}\": {}", std::exchange(sep, ", "), name, yes_no(v));
    };
    field("support_given", sup.support_given);
    field("interest_expressed", sup.interest_expressed);
    if (sup.collected_at) {
      fmt::format_to(o, "{}\"collected_at\": \"", std::exchange(sep, ", "));
      date(out, sup.collected_at);
      out += '"';
    }
    fmt::format_to(o, "{}\"collected_by\": ", std::exchange(sep, ", "));
    if (sup.by_sender) out += sender_json_;
    else fmt::format_to(o, "\"{}\"", kPlatform);
    field("opt_out_offered", sup.opt_out);
    out += '}';
  }
  for (const Flag& f : flags)
    if (f.value >= 0) fmt::format_to(o, ", \"{}\": {}", f.name, f.value ? "true" : "false");
  out += ", \"last_contact\": \"";
  date(out, last_contact);
  out += "\"}\n";
}

}  // namespace lawful::cli
