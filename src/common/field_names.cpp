#include "common/field_names.hpp"

#include <cctype>
#include <set>
#include <vector>

namespace ats {
namespace {

// Protected characteristics, each a sequence of words; a name is protected when its words
// (split at separators and camelCase) contain one of these sequences. Workday's
// Personal_Information_Data spellings (Gender_Reference, Date_of_Birth, Ethnicity_Reference,
// Hispanic_or_Latino, Military_Information_Data, Disability_Information_Data, Religion_Reference,
// Sexual_Orientation_Reference, Gender_Identity_Reference, Pronoun_Reference,
// Primary_Nationality_Reference, Citizenship_Reference, Marital_Status_Reference,
// Political_Affiliation_Reference, Hukou_*) and the EEO names of ATS APIs (gender, race,
// veteran_status, disability_status) are covered by their words.
const std::vector<std::vector<std::string_view>>& ProtectedTerms() {
  static const std::vector<std::vector<std::string_view>> kTerms = {
      {"gender"},
      {"sex"},
      {"sexual"},
      {"pronoun"},
      {"pronouns"},
      {"lgbt"},
      {"lgbtq"},
      {"ethnicity"},
      {"ethnic"},
      {"race"},
      {"racial"},
      {"hispanic"},
      {"latino"},
      {"latinx"},
      {"veteran"},
      {"military"},
      {"disability"},
      {"disabled"},
      {"handicap"},
      {"birth"},
      {"birthdate"},
      {"birthday"},
      {"dob"},
      {"age"},
      {"religion"},
      {"religious"},
      {"marital"},
      {"nationality"},
      {"citizenship"},
      {"citizen"},
      {"national", "origin"},
      {"hukou"},
      {"political"},
      {"pregnancy"},
      {"pregnant"},
      {"genetic"},
      {"medical"},
      {"eeo"},
      {"eeoc"},
      {"ofccp"},
  };
  return kTerms;
}

// Lower-case words of a name: "Date_of_Birth" -> date of birth, "hispanicOrLatino" -> hispanic
// or latino, "DOB" -> dob.
std::vector<std::string> Words(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  const auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (!std::isalnum(c)) {
      flush();
      continue;
    }
    const bool upper = std::isupper(c) != 0;
    if (upper && i > 0) {
      const auto prev = static_cast<unsigned char>(name[i - 1]);
      const bool next_lower = i + 1 < name.size() && std::islower(static_cast<unsigned char>(name[i + 1]));
      if (std::islower(prev) || std::isdigit(prev) || (std::isupper(prev) && next_lower)) flush();
    }
    word.push_back(static_cast<char>(std::tolower(c)));
  }
  flush();
  return words;
}

}  // namespace

std::string NormaliseFieldName(std::string_view name) {
  std::string out;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

bool IsProtectedFieldName(std::string_view name) {
  const std::vector<std::string> words = Words(name);
  for (const auto& term : ProtectedTerms()) {
    for (size_t i = 0; i + term.size() <= words.size(); ++i) {
      size_t k = 0;
      while (k < term.size() && words[i + k] == term[k]) ++k;
      if (k == term.size()) return true;
    }
  }
  return false;
}

bool IsStructuralFieldName(std::string_view name) {
  static const std::set<std::string> kStructural = {
      "id",    "candidateid", "applicationid", "jobid", "jobshortcode", "shortcode",
      "stage", "stagekind",   "status",        "state", "updatedat"};
  return kStructural.contains(NormaliseFieldName(name));
}

}  // namespace ats
