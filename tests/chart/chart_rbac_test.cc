// The operator's RBAC contract: the chart grants exactly these (scope, API group, resource, verb)
// tuples, without wildcards, and docs/helm.md lists the same ones.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/chart/helm_process.h"
#include "tests/chart/rendered_chart.h"

namespace zroute::chart_testing {
namespace {

struct Grant {
  std::string scope;  // ClusterRole (every namespace) or Role (the release namespace)
  std::string group;  // "" is the core group
  std::string resource;
  std::string verb;
  auto operator<=>(const Grant&) const = default;
};

std::string ToString(const Grant& g) { return g.scope + " \"" + g.group + "\" " + g.resource + " " + g.verb; }

std::string ToString(const std::set<Grant>& grants) {
  std::string out;
  for (const Grant& g : grants) out += "  " + ToString(g) + "\n";
  return out;
}

struct ContractRow {
  std::string scope;
  std::string group;
  std::vector<std::string> resources;
  std::vector<std::string> verbs;
};

// What the operator needs, by job: reading the zroute.io resources and writing their status
// (controllers), pods (membership), core/v1 events (create, then patch the count of a repeat), the
// webhook's caBundle, the scale subresource (ScalingPolicy: read; mode apply: merge-patch), the
// leader Lease and its own Secrets (webhook certificate, CURVE), and its own pod's leader label
// (pods get + patch in the release namespace only).
const std::vector<ContractRow>& Contract() {
  static const std::vector<ContractRow> rows{
      {"ClusterRole", "zroute.io", {"topics", "subscriptions", "scalingpolicies"}, {"get", "list", "watch"}},
      {"ClusterRole",
       "zroute.io",
       {"topics/status", "subscriptions/status", "scalingpolicies/status"},
       {"get", "update", "patch"}},
      {"ClusterRole", "", {"pods"}, {"get", "list", "watch"}},
      {"ClusterRole", "", {"events"}, {"create", "patch"}},
      {"ClusterRole", "admissionregistration.k8s.io", {"mutatingwebhookconfigurations"}, {"get", "patch"}},
      {"ClusterRole", "apps", {"deployments/scale", "statefulsets/scale"}, {"get", "patch"}},
      {"Role", "coordination.k8s.io", {"leases"}, {"get", "create", "update"}},
      {"Role", "", {"secrets"}, {"get", "create", "update"}},
      {"Role", "", {"pods"}, {"get", "patch"}},
  };
  return rows;
}

std::set<Grant> Expand(const std::vector<ContractRow>& rows) {
  std::set<Grant> out;
  for (const ContractRow& row : rows) {
    for (const std::string& r : row.resources) {
      for (const std::string& v : row.verbs) out.insert({row.scope, row.group, r, v});
    }
  }
  return out;
}

// Grants of every Role and ClusterRole, each with the names it is limited to (nullopt when a rule
// grants it for every name), and every wildcard or non-resource URL found on the way.
struct CollectedRbac {
  std::map<Grant, std::optional<std::set<std::string>>> grants;
  std::vector<std::string> violations;
};

CollectedRbac Collect(const std::vector<YAML::Node>& documents) {
  CollectedRbac out;
  for (const YAML::Node& doc : documents) {
    const std::optional<std::string> kind = ScalarAt(doc, {"kind"});
    if (kind != "ClusterRole" && kind != "Role") continue;
    const std::string where = *kind + " " + ScalarAt(doc, {"metadata", "name"}).value_or("?");
    const YAML::Node rules = NodeAt(doc, {"rules"});
    if (!rules.IsSequence()) continue;
    for (const YAML::Node& rule : rules) {
      if (NodeAt(rule, {"nonResourceURLs"}).IsDefined())
        out.violations.push_back(where + ": nonResourceURLs");
      const std::vector<std::string> groups = ScalarsAt(rule, {"apiGroups"});
      const std::vector<std::string> resources = ScalarsAt(rule, {"resources"});
      const std::vector<std::string> verbs = ScalarsAt(rule, {"verbs"});
      const std::vector<std::string> names = ScalarsAt(rule, {"resourceNames"});
      for (const auto* list : {&groups, &resources, &verbs, &names}) {
        for (const std::string& item : *list) {
          if (item.find('*') != std::string::npos) out.violations.push_back(where + ": wildcard " + item);
        }
      }
      for (const std::string& g : groups) {
        for (const std::string& r : resources) {
          for (const std::string& v : verbs) {
            auto [it, inserted] = out.grants.try_emplace(Grant{*kind, g, r, v}, std::set<std::string>{});
            if (names.empty()) {
              it->second.reset();  // granted for every name by this rule
            } else if (it->second.has_value()) {
              it->second->insert(names.begin(), names.end());
            }
          }
        }
      }
    }
  }
  return out;
}

std::set<Grant> GrantSet(const CollectedRbac& rbac) {
  std::set<Grant> out;
  for (const auto& [g, names] : rbac.grants) out.insert(g);
  return out;
}

std::string Difference(const std::set<Grant>& want, const std::set<Grant>& got) {
  std::set<Grant> missing;
  std::set<Grant> extra;
  for (const Grant& g : want) {
    if (!got.contains(g)) missing.insert(g);
  }
  for (const Grant& g : got) {
    if (!want.contains(g)) extra.insert(g);
  }
  return "missing:\n" + ToString(missing) + "extra:\n" + ToString(extra);
}

class ChartRbacTest : public ::testing::TestWithParam<RenderConfig> {
 protected:
  void SetUp() override {
    StatusOr<RenderedChart> chart = RenderedChart::Render(GetParam());
    ASSERT_TRUE(chart.ok()) << chart.status();
    chart_ = *chart;
    StatusOr<YAML::Node> operator_container = OperatorContainer(chart_);
    ASSERT_TRUE(operator_container.ok()) << operator_container.status();
    operator_ = *operator_container;
  }

  RenderedChart chart_;
  YAML::Node operator_;
};

TEST_P(ChartRbacTest, NoWildcardsOrNonResourceUrls) {
  const CollectedRbac rbac = Collect(chart_.documents());
  ASSERT_FALSE(rbac.grants.empty());
  EXPECT_TRUE(rbac.violations.empty()) << ::testing::PrintToString(rbac.violations);
}

TEST_P(ChartRbacTest, GrantsExactlyTheContract) {
  const std::set<Grant> got = GrantSet(Collect(chart_.documents()));
  const std::set<Grant> want = Expand(Contract());
  EXPECT_EQ(got, want) << Difference(want, got);
}

TEST_P(ChartRbacTest, OneClusterRoleAndOneRoleInTheReleaseNamespace) {
  ASSERT_EQ(chart_.OfKind("ClusterRole").size(), 1u);
  const std::vector<YAML::Node> roles = chart_.OfKind("Role");
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(ScalarAt(roles[0], {"metadata", "namespace"}), GetParam().namespace_name);
}

TEST_P(ChartRbacTest, WebhookConfigurationGrantIsLimitedToOurConfiguration) {
  StatusOr<YAML::Node> webhook = chart_.One("MutatingWebhookConfiguration");
  ASSERT_TRUE(webhook.ok()) << webhook.status();
  const std::string name = ScalarAt(*webhook, {"metadata", "name"}).value_or("");
  const CollectedRbac rbac = Collect(chart_.documents());
  for (const std::string verb : {"get", "patch"}) {
    auto it = rbac.grants.find(
        {"ClusterRole", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", verb});
    ASSERT_NE(it, rbac.grants.end()) << verb;
    ASSERT_TRUE(it->second.has_value()) << verb << " is granted on every webhook configuration";
    EXPECT_EQ(*it->second, std::set<std::string>{name}) << verb;
  }
}

TEST_P(ChartRbacTest, LeaseAndSecretUpdatesAreLimitedToTheOperatorsNames) {
  const std::optional<std::string> lease = FlagValue(operator_, "--leader-election-lease");
  const std::optional<std::string> webhook_secret = FlagValue(operator_, "--webhook-secret");
  const std::optional<std::string> curve_secret = FlagValue(operator_, "--curve-secret");
  ASSERT_TRUE(lease && webhook_secret && curve_secret);
  const CollectedRbac rbac = Collect(chart_.documents());
  for (const std::string verb : {"get", "update"}) {
    auto leases = rbac.grants.find({"Role", "coordination.k8s.io", "leases", verb});
    ASSERT_NE(leases, rbac.grants.end());
    ASSERT_TRUE(leases->second.has_value()) << "leases " << verb << " is granted for every name";
    EXPECT_EQ(*leases->second, std::set<std::string>{*lease});
    auto secrets = rbac.grants.find({"Role", "", "secrets", verb});
    ASSERT_NE(secrets, rbac.grants.end());
    ASSERT_TRUE(secrets->second.has_value()) << "secrets " << verb << " is granted for every name";
    EXPECT_EQ(*secrets->second, (std::set<std::string>{*webhook_secret, *curve_secret}));
  }
}

TEST_P(ChartRbacTest, PodsArePatchedOnlyInTheReleaseNamespace) {
  const CollectedRbac rbac = Collect(chart_.documents());
  for (const std::string verb : {"get", "patch"}) {
    EXPECT_TRUE(rbac.grants.contains({"Role", "", "pods", verb})) << verb;
  }
  EXPECT_FALSE(rbac.grants.contains({"ClusterRole", "", "pods", "patch"}));
  for (const std::string verb : {"create", "update", "delete", "deletecollection", "list", "watch"}) {
    EXPECT_FALSE(rbac.grants.contains({"Role", "", "pods", verb})) << verb;
  }
}

TEST_P(ChartRbacTest, BindingsGrantTheRolesToTheOperatorServiceAccount) {
  StatusOr<YAML::Node> deployment = chart_.One("Deployment");
  ASSERT_TRUE(deployment.ok()) << deployment.status();
  const std::optional<std::string> account =
      ScalarAt(*deployment, {"spec", "template", "spec", "serviceAccountName"});
  ASSERT_TRUE(account.has_value());
  ASSERT_TRUE(chart_.Find("ServiceAccount", *account).has_value()) << *account;
  for (const auto& [binding_kind, role_kind] :
       {std::pair<std::string, std::string>{"ClusterRoleBinding", "ClusterRole"}, {"RoleBinding", "Role"}}) {
    StatusOr<YAML::Node> binding = chart_.One(binding_kind);
    ASSERT_TRUE(binding.ok()) << binding.status();
    EXPECT_EQ(ScalarAt(*binding, {"roleRef", "kind"}), role_kind);
    const std::string role = ScalarAt(*binding, {"roleRef", "name"}).value_or("");
    EXPECT_TRUE(chart_.Find(role_kind, role).has_value()) << binding_kind << " refers to " << role;
    const YAML::Node subjects = NodeAt(*binding, {"subjects"});
    ASSERT_TRUE(subjects.IsSequence() && subjects.size() == 1) << binding_kind;
    EXPECT_EQ(ScalarAt(subjects[0], {"kind"}), "ServiceAccount");
    EXPECT_EQ(ScalarAt(subjects[0], {"name"}), account);
    EXPECT_EQ(ScalarAt(subjects[0], {"namespace"}), GetParam().namespace_name);
  }
}

INSTANTIATE_TEST_SUITE_P(Values, ChartRbacTest, ::testing::Values(DefaultConfig(), CustomConfig()),
                         [](const auto& info) { return info.param.label; });

// The checks above must be able to fail: a hand-written role with a wildcard is caught.
TEST(RbacCollector, FlagsWildcardsAndUnrestrictedNames) {
  const std::vector<YAML::Node> docs = YAML::LoadAll(R"(
kind: ClusterRole
metadata: {name: greedy}
rules:
  - apiGroups: ["apps"]
    resources: ["*"]
    verbs: ["get"]
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["one"]
    verbs: ["get"]
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get"]
  - nonResourceURLs: ["/metrics"]
    verbs: ["get"]
)");
  const CollectedRbac rbac = Collect(docs);
  EXPECT_EQ(rbac.violations.size(), 2u) << ::testing::PrintToString(rbac.violations);
  auto secrets = rbac.grants.find({"ClusterRole", "", "secrets", "get"});
  ASSERT_NE(secrets, rbac.grants.end());
  EXPECT_FALSE(secrets->second.has_value()) << "an unrestricted rule widens a restricted one";
  EXPECT_NE(GrantSet(rbac), Expand(Contract()));
}

// docs/helm.md carries the contract as a table between two markers:
// | Scope | API group | Resources | Verbs | Resource names |
std::set<Grant> DocumentedGrants(const std::string& markdown, std::string* error) {
  const std::string begin = "<!-- rbac-contract:begin -->";
  const std::string end = "<!-- rbac-contract:end -->";
  const size_t from = markdown.find(begin);
  const size_t to = markdown.find(end);
  if (from == std::string::npos || to == std::string::npos || to < from) {
    *error = "docs/helm.md has no rbac-contract markers";
    return {};
  }
  auto split = [](const std::string& cell) {
    std::vector<std::string> items;
    std::stringstream in(cell);
    std::string item;
    while (std::getline(in, item, ',')) {
      std::string clean;
      for (char c : item) {
        if (c != '`' && c != ' ') clean += c;
      }
      if (clean == "\"\"") clean.clear();  // the core group
      items.push_back(clean);
    }
    return items;
  };
  std::vector<ContractRow> rows;
  std::stringstream lines(markdown.substr(from + begin.size(), to - from - begin.size()));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '|' || line.find("---") != std::string::npos) continue;
    std::vector<std::string> cells;
    std::stringstream in(line.substr(1));
    std::string cell;
    while (std::getline(in, cell, '|')) cells.push_back(cell);
    if (cells.size() < 4) continue;
    const std::vector<std::string> scope = split(cells[0]);
    if (scope.size() != 1 || (scope[0] != "ClusterRole" && scope[0] != "Role")) continue;  // header
    const std::vector<std::string> group = split(cells[1]);
    if (group.size() != 1) {
      *error = "one API group per row: " + line;
      return {};
    }
    rows.push_back({scope[0], group[0], split(cells[2]), split(cells[3])});
  }
  return Expand(rows);
}

TEST(ChartRbacDocs, HelmDocListsTheSameContract) {
  std::ifstream in(SourcePath("docs/helm.md"));
  ASSERT_TRUE(in.good()) << "docs/helm.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  std::string error;
  const std::set<Grant> documented = DocumentedGrants(text.str(), &error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(documented, Expand(Contract())) << Difference(Expand(Contract()), documented);
}

}  // namespace
}  // namespace zroute::chart_testing
