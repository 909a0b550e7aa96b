// A generated NER corpus in the CS230 layout (include/ember/data/tools.h).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "data/file_util.h"
#include "ember/data/dataset.h"
#include "ember/data/tools.h"
#include "ember/data/worker.h"

namespace ember::data {

namespace fs = std::filesystem;

namespace {

// Slots: {PER} {ORG} {GEO} {GPE} {TIM} entities, {W} a lowercase filler word, {NUM} a number.
const char* const kTemplates[] = {
    "{PER} met {PER} in {GEO} on {TIM} .",
    "{ORG} said on {TIM} that it would close its office in {GEO} .",
    "officials in {GPE} say {PER} will visit {GEO} next week .",
    "{PER} , the head of {ORG} , arrived in {GEO} on {TIM} .",
    "the government of {GPE} has asked {ORG} to review the {W} .",
    "shares of {ORG} rose {NUM} percent in {TIM} .",
    "{GPE} and {GPE} signed a {W} agreement in {GEO} .",
    "police in {GEO} arrested {NUM} people on {TIM} .",
    "{PER} told reporters that {GPE} would not accept the {W} .",
    "a spokesman for {ORG} said the {W} was delayed until {TIM} .",
    "{PER} was born in {GEO} , {GPE} , in {TIM} .",
    "thousands of people marched through {GEO} on {TIM} to protest the {W} .",
    "{ORG} plans to hire {NUM} workers in {GPE} .",
    "the {W} in {GEO} killed {NUM} people , officials said .",
    "{PER} and {PER} will lead the talks in {GEO} .",
    "on {TIM} , {PER} resigned from {ORG} .",
    "the president of {GPE} , {PER} , met the {W} delegation .",
    "analysts at {ORG} expect the {W} to grow in {TIM} .",
    "the {W} between {GPE} and {GPE} ended on {TIM} .",
    "{PER} , a {W} from {GEO} , won the prize .",
    "{ORG} opened a new {W} near {GEO} .",
    "the minister from {GPE} flew to {GEO} to meet {PER} .",
    "{NUM} soldiers from {GPE} arrived in {GEO} .",
    "{PER} said {ORG} had no {W} .",
    "heavy rain hit {GEO} on {TIM} , closing the {W} .",
    "{ORG} and {ORG} agreed to merge in {TIM} .",
    "in {TIM} , {GPE} reported a {W} of {NUM} percent .",
    "{PER} will speak at {ORG} in {GEO} .",
    "the {W} of {PER} was praised by {ORG} .",
    "{GEO} is the largest {W} in {GPE} .",
    "voters in {GPE} go to the polls on {TIM} .",
    "{PER} denied the {W} .",
    "the {W} and the {W} were sold to {ORG} for {NUM} million dollars .",
    "{PER} visited {GEO} and {GEO} last {TIM} .",
    "{ORG} warned that the {W} could spread to {GPE} .",
    "a {W} {W} was found in {GEO} on {TIM} .",
    "{PER} thanked {PER} for the {W} .",
    "talks in {GEO} between {ORG} and the {W} failed .",
    "{GPE} imports most of its {W} from {GPE} .",
    "{PER} , {NUM} , lives in {GEO} .",
};

const char* const kOrgSuffixes[] = {"Inc.", "Corp.", "Group", "Bank", "Airlines", "Motors",
                                    "Institute", "Foundation", "Holdings", "Partners", "Press", "Energy"};
const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};
const char* const kWeekdays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

using Entity = std::vector<std::string>;  // its tokens

bool all_alpha(const std::string& s, bool capital) {
  if (s.size() < 3) return false;
  if (capital ? !std::isupper(static_cast<unsigned char>(s[0])) : !std::islower(static_cast<unsigned char>(s[0]))) return false;
  for (size_t i = 1; i < s.size(); ++i)
    if (!std::islower(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

// City names: tzdata's zone file names under the continent folders ("New_York" -> New York).
std::vector<Entity> read_cities(const std::string& zoneinfo) {
  std::set<std::string> names;
  for (const char* region : {"Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}) {
    fs::path dir = fs::path(zoneinfo) / region;
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      std::string n = e.path().filename().string();
      bool ok = n.size() >= 3 && std::isupper(static_cast<unsigned char>(n[0]));
      for (char c : n) ok = ok && (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '-');
      if (ok) names.insert(n);
    }
  }
  std::vector<Entity> out;
  for (std::string n : names) {
    std::replace(n.begin(), n.end(), '_', ' ');
    out.push_back(detail::split_tokens(n));
  }
  return out;
}

// Country names from iso-codes (the common name where there is one; none with commas).
std::vector<Entity> read_countries(const std::string& path) {
  std::vector<Entity> out;
  std::ifstream f(path);
  if (!f) return out;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception&) {
    return out;
  }
  if (!j.contains("3166-1") || !j["3166-1"].is_array()) return out;
  for (const auto& c : j["3166-1"]) {
    std::string n = c.value("common_name", c.value("name", std::string()));
    if (n.empty() || n.find_first_of(",()") != std::string::npos) continue;
    out.push_back(detail::split_tokens(n));
  }
  return out;
}

// `n` items of `pool` from position `at` on (a slice of a shuffled list).
std::vector<Entity> take(const std::vector<std::string>& pool, size_t& at, int64_t n) {
  std::vector<Entity> out;
  for (int64_t i = 0; i < n && at < pool.size(); ++i) out.push_back({pool[at++]});
  return out;
}

struct Lexicon {
  std::vector<Entity> first, last, org_stems, cities, countries;
  std::vector<std::string> fillers;
};

class SentenceMaker {
 public:
  SentenceMaker(const Lexicon& lex, Generator& gen) : lex_(lex), gen_(gen) {}

  // One sentence: tokens and their tags; counts entity mentions by class.
  void make(std::vector<std::string>& words, std::vector<std::string>& tags, std::map<std::string, int64_t>& counts) {
    const std::string tpl = kTemplates[random_int(gen_, std::size(kTemplates))];
    for (const auto& tok : detail::split_tokens(tpl)) {
      if (tok == "{PER}") emit(person(), "per", words, tags, counts);
      else if (tok == "{ORG}") emit(org(), "org", words, tags, counts);
      else if (tok == "{GEO}") emit(pick(lex_.cities), "geo", words, tags, counts);
      else if (tok == "{GPE}") emit(pick(lex_.countries), "gpe", words, tags, counts);
      else if (tok == "{TIM}") emit(time(), "tim", words, tags, counts);
      else if (tok == "{W}") plain(lex_.fillers[static_cast<size_t>(random_int(gen_, static_cast<int64_t>(lex_.fillers.size())))], words, tags);
      else if (tok == "{NUM}") plain(std::to_string(2 + random_int(gen_, 98)), words, tags);
      else plain(tok, words, tags);
    }
  }

 private:
  const Entity& pick(const std::vector<Entity>& v) { return v[static_cast<size_t>(random_int(gen_, static_cast<int64_t>(v.size())))]; }
  Entity person() {
    Entity e;
    if (random_int(gen_, 10) < 7) e = pick(lex_.first);
    const Entity& l = pick(lex_.last);
    e.insert(e.end(), l.begin(), l.end());
    return e;
  }
  Entity org() {
    if (random_int(gen_, 8) == 0) {  // University of <city>
      Entity e = {"University", "of"};
      const Entity& c = pick(lex_.cities);
      e.insert(e.end(), c.begin(), c.end());
      return e;
    }
    Entity e = pick(lex_.org_stems);
    e.push_back(kOrgSuffixes[random_int(gen_, std::size(kOrgSuffixes))]);
    return e;
  }
  Entity time() {
    const std::string month = kMonths[random_int(gen_, 12)];
    switch (random_int(gen_, 4)) {
      case 0: return {month};
      case 1: return {kWeekdays[random_int(gen_, 7)]};
      case 2: return {month, std::to_string(1 + random_int(gen_, 28))};
      default: return {std::to_string(1950 + random_int(gen_, 76))};
    }
  }
  static void plain(const std::string& w, std::vector<std::string>& words, std::vector<std::string>& tags) {
    words.push_back(w);
    tags.push_back("O");
  }
  static void emit(const Entity& e, const std::string& cls, std::vector<std::string>& words,
                   std::vector<std::string>& tags, std::map<std::string, int64_t>& counts) {
    for (size_t i = 0; i < e.size(); ++i) {
      words.push_back(e[i]);
      tags.push_back((i == 0 ? "B-" : "I-") + cls);
    }
    ++counts[cls];
  }

  const Lexicon& lex_;
  Generator& gen_;
};

}  // namespace

NERCorpusReport generate_ner_corpus(const std::string& out_dir, const NERCorpusOptions& o) {
  EMBER_CHECK(o.train > 0 && o.val >= 0 && o.test >= 0, "generate_ner_corpus: split sizes must be positive (train ",
              o.train, ", val ", o.val, ", test ", o.test, ")");
  EMBER_CHECK(o.names_per_class > 0, "generate_ner_corpus: names_per_class must be positive, got ", o.names_per_class);
  NERCorpusReport report;
  Lexicon lex;
  lex.cities = read_cities(o.zoneinfo_dir);
  lex.countries = read_countries(o.countries_file);
  // A zone named after its country (Kuwait, Gibraltar) would be both geo and gpe: keep the country.
  std::erase_if(lex.cities, [&](const Entity& c) {
    return std::find(lex.countries.begin(), lex.countries.end(), c) != lex.countries.end();
  });
  std::set<std::string> place_tokens;
  for (const auto* list : {&lex.cities, &lex.countries})
    for (const auto& e : *list) place_tokens.insert(e.begin(), e.end());

  std::vector<std::string> proper, lower;
  for (const auto& w : detail::read_lines(o.words_file, "generate_ner_corpus")) {
    if (all_alpha(w, true) && !place_tokens.count(w)) proper.push_back(w);
    else if (all_alpha(w, false)) lower.push_back(w);
  }
  const int64_t n = o.names_per_class;
  EMBER_CHECK(static_cast<int64_t>(proper.size()) >= 3 * n + 2 * 50 && static_cast<int64_t>(lower.size()) >= n,
              "generate_ner_corpus: ", o.words_file, " has ", proper.size(), " capitalised and ", lower.size(),
              " lowercase words; ", 3 * n + 100, " and ", n, " are needed (lower names_per_class)");
  Generator gen(o.seed);
  auto shuffle = [&](std::vector<std::string>& v) {
    std::vector<int64_t> p = random_permutation(static_cast<int64_t>(v.size()), gen);
    std::vector<std::string> s(v.size());
    for (size_t i = 0; i < v.size(); ++i) s[i] = v[static_cast<size_t>(p[i])];
    v = std::move(s);
  };
  std::sort(proper.begin(), proper.end());
  std::sort(lower.begin(), lower.end());
  shuffle(proper);
  shuffle(lower);
  size_t at = 0;
  lex.first = take(proper, at, n);
  lex.last = take(proper, at, n);
  lex.org_stems = take(proper, at, n);
  if (lex.cities.size() < 50) {
    report.notes.push_back("no city names under " + o.zoneinfo_dir + " (tzdata); geo names come from " + o.words_file);
    lex.cities = take(proper, at, n);
  }
  if (lex.countries.size() < 50) {
    report.notes.push_back("no country names in " + o.countries_file + " (iso-codes); gpe names come from " + o.words_file);
    lex.countries = take(proper, at, 200);
  }
  lex.fillers.assign(lower.begin(), lower.begin() + n);
  report.lexicon = {{"per_first", lex.first.size()}, {"per_last", lex.last.size()}, {"org", lex.org_stems.size()},
                    {"geo", lex.cities.size()},      {"gpe", lex.countries.size()}, {"filler", lex.fillers.size()}};

  const fs::path out = out_dir;
  SentenceMaker maker(lex, gen);
  for (const auto& [split, count] : {std::pair<std::string, int64_t>{"train", o.train}, {"val", o.val}, {"test", o.test}}) {
    const fs::path dir = out / split;
    EMBER_CHECK(o.overwrite || !fs::exists(dir / "sentences.txt"), "generate_ner_corpus: ",
                (dir / "sentences.txt").string(), " already exists (pass overwrite)");
    detail::make_dirs(dir.string(), "generate_ner_corpus");
    std::string sentences, labels;
    for (int64_t i = 0; i < count; ++i) {
      std::vector<std::string> words, tags;
      maker.make(words, tags, report.entities);
      for (size_t k = 0; k < words.size(); ++k) {
        sentences += (k ? " " : "") + words[k];
        labels += (k ? " " : "") + tags[k];
      }
      sentences += '\n';
      labels += '\n';
    }
    detail::write_file_atomically((dir / "sentences.txt").string(), sentences, "generate_ner_corpus");
    detail::write_file_atomically((dir / "labels.txt").string(), labels, "generate_ner_corpus");
  }
  report.train = o.train;
  report.val = o.val;
  report.test = o.test;
  build_ner_vocab(out_dir);
  return report;
}

}  // namespace ember::data
