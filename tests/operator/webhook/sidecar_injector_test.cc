#include "operator/webhook/sidecar_injector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <vector>

#include "common/util/flags.h"
#include "operator/webhook/sidecar_container.h"
#include "tests/operator/webhook/review_test_util.h"

namespace zroute::webhook {
namespace {

using json = nlohmann::json;
using testing::LoadFixture;
using testing::PatchedPod;
using testing::PatchOf;
using testing::WithPod;

InjectorConfig Config(int minor) {
  InjectorConfig c;
  c.sidecar_image = "registry.example/zroute-sidecar:0.3.1";
  c.operator_address = "tcp://zroute-operator.zroute-system.svc:7400";
  c.termination_grace_seconds = 30;
  c.kubernetes_minor = minor;
  return c;
}

// Containers named `name` in a pod's containers and initContainers.
int CountContainers(const json& pod, const std::string& name) {
  int n = 0;
  for (const char* list : {"containers", "initContainers"}) {
    if (!pod["spec"].contains(list)) continue;
    for (const auto& c : pod["spec"][list]) n += c["name"] == name ? 1 : 0;
  }
  return n;
}

const json& FindContainer(const json& list, const std::string& name) {
  for (const auto& c : list) {
    if (c["name"] == name) return c;
  }
  static const json kNone;
  ADD_FAILURE() << "no container " << name;
  return kNone;
}

std::string EnvValue(const json& container, const std::string& name) {
  for (const auto& e : container.value("env", json::array())) {
    if (e["name"] == name) return e.value("value", "<valueFrom>");
  }
  return "<absent>";
}

void ExpectAllowedWithPatch(const json& request, const ReviewResult& r) {
  EXPECT_EQ(r.outcome, ReviewOutcome::kInjected) << r.detail;
  EXPECT_EQ(r.review["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(r.review["kind"], "AdmissionReview");
  EXPECT_EQ(r.review["response"]["uid"], request["request"]["uid"]);
  EXPECT_EQ(r.review["response"]["allowed"], true);
  EXPECT_EQ(r.review["response"]["patchType"], "JSONPatch");
}

void ExpectUnchanged(const json& request, const ReviewResult& r) {
  EXPECT_EQ(r.outcome, ReviewOutcome::kUnchanged) << r.detail;
  EXPECT_EQ(r.review["response"]["uid"], request["request"]["uid"]);
  EXPECT_EQ(r.review["response"]["allowed"], true);
  EXPECT_FALSE(r.review["response"].contains("patch"));
  EXPECT_FALSE(r.review["response"].contains("patchType"));
}

void ExpectDenied(const ReviewResult& r, const std::string& uid, const std::string& message_part) {
  EXPECT_EQ(r.outcome, ReviewOutcome::kDenied);
  EXPECT_EQ(r.review["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(r.review["response"]["uid"], uid);
  EXPECT_EQ(r.review["response"]["allowed"], false);
  EXPECT_EQ(r.review["response"]["status"]["code"], 400);
  EXPECT_NE(r.review["response"]["status"]["message"].get<std::string>().find(message_part), std::string::npos)
      << r.review["response"]["status"]["message"];
  EXPECT_FALSE(r.review["response"].contains("patch"));
}

void ExpectHardenedSidecar(const json& sidecar) {
  const json& sc = sidecar["securityContext"];
  EXPECT_EQ(sc["runAsNonRoot"], true);
  EXPECT_EQ(sc["runAsUser"], 65532);
  EXPECT_EQ(sc["readOnlyRootFilesystem"], true);
  EXPECT_EQ(sc["allowPrivilegeEscalation"], false);
  EXPECT_EQ(sc["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_EQ(sc["seccompProfile"]["type"], "RuntimeDefault");
  EXPECT_EQ(sidecar["livenessProbe"]["httpGet"]["path"], "/healthz");
  // The kubelet dials the pod IP: probes go to the metrics listener, not the loopback API.
  EXPECT_EQ(sidecar["livenessProbe"]["httpGet"]["port"], 3501);
  EXPECT_EQ(sidecar["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_EQ(sidecar["readinessProbe"]["httpGet"]["port"], 3501);
  std::map<std::string, int> ports;
  for (const auto& p : sidecar["ports"]) ports[p["name"].get<std::string>()] = p["containerPort"].get<int>();
  EXPECT_EQ(ports, (std::map<std::string, int>{{"zroute-http", 3500}, {"zroute-metrics", 3501}, {"zroute-data", 3600}}));
  EXPECT_EQ(sidecar["volumeMounts"], json::parse(R"([{"name":"zroute-outbox","mountPath":"/var/lib/zroute/outbox"}])"));
}

TEST(SidecarInjectorTest, DeploymentPodGetsNativeSidecarOnModernCluster) {
  const json request = LoadFixture("review_deployment_pod.json");
  const ReviewResult r = ReviewAdmission(request, Config(30));
  ExpectAllowedWithPatch(request, r);
  const json& before = request["request"]["object"];
  const json pod = PatchedPod(request, r.review);

  EXPECT_EQ(CountContainers(pod, "zroute-sidecar"), 1);
  ASSERT_EQ(pod["spec"]["initContainers"].size(), 1u);  // the whole array was added
  const json& sidecar = pod["spec"]["initContainers"][0];
  EXPECT_EQ(sidecar["name"], "zroute-sidecar");
  EXPECT_EQ(sidecar["restartPolicy"], "Always");
  EXPECT_EQ(sidecar["startupProbe"]["httpGet"]["port"], 3501);
  EXPECT_EQ(sidecar["image"], "registry.example/zroute-sidecar:0.3.1");
  // Its own namespace and pod (expanded by the kubelet from the downward-API env), the link port
  // on every interface advertised as the pod IP, probes and metrics on 3501.
  EXPECT_EQ(sidecar["args"], json::parse(R"json(["--app-id","orders","--app-port","8080",
      "--operator","tcp://zroute-operator.zroute-system.svc:7400","--namespace","$(POD_NAMESPACE)","--pod","$(POD_NAME)",
      "--http-port","3500","--data-host","0.0.0.0","--data-advertise-host","$(POD_IP)","--data-port","3600",
      "--metrics-host","0.0.0.0","--metrics-port","3501",
      "--outbox-dir","/var/lib/zroute/outbox","--log-level","info"])json"));
  std::map<std::string, std::string> env_names;
  for (const auto& e : sidecar["env"]) {
    if (e.contains("valueFrom") && e["valueFrom"].contains("fieldRef")) {
      env_names[e["name"].get<std::string>()] = e["valueFrom"]["fieldRef"]["fieldPath"].get<std::string>();
    }
  }
  EXPECT_EQ(env_names, (std::map<std::string, std::string>{
                           {"POD_NAME", "metadata.name"}, {"POD_NAMESPACE", "metadata.namespace"}, {"POD_IP", "status.podIP"}}));
  std::set<std::string> downward;
  for (const auto& e : sidecar["env"]) downward.insert(e["valueFrom"]["fieldRef"]["fieldPath"].get<std::string>());
  EXPECT_EQ(downward, (std::set<std::string>{"metadata.name", "metadata.namespace", "status.podIP"}));
  EXPECT_EQ(sidecar["resources"]["requests"]["cpu"], "50m");
  EXPECT_EQ(sidecar["resources"]["limits"]["memory"], "256Mi");
  ExpectHardenedSidecar(sidecar);

  // Same app containers, in the same order, each with the sidecar's address added to its env.
  ASSERT_EQ(pod["spec"]["containers"].size(), before["spec"]["containers"].size());
  for (std::size_t i = 0; i < before["spec"]["containers"].size(); ++i) {
    json c = pod["spec"]["containers"][i];
    EXPECT_EQ(EnvValue(c, "ZROUTE_HTTP_PORT"), "3500");
    EXPECT_EQ(EnvValue(c, "ZROUTE_PUBLISH_URL"), "http://127.0.0.1:3500/v1/publish");
    json env = json::array();
    for (const auto& e : c["env"]) {
      if (e["name"] != "ZROUTE_HTTP_PORT" && e["name"] != "ZROUTE_PUBLISH_URL") env.push_back(e);
    }
    if (env.empty()) {
      c.erase("env");
    } else {
      c["env"] = env;
    }
    EXPECT_EQ(c, before["spec"]["containers"][i]) << "container " << i << " changed beyond its env";
  }
  EXPECT_EQ(EnvValue(pod["spec"]["containers"][0], "LOG_FORMAT"), "json");

  ASSERT_EQ(pod["spec"]["volumes"].size(), 2u);
  EXPECT_EQ(pod["spec"]["volumes"][0], before["spec"]["volumes"][0]);
  EXPECT_EQ(pod["spec"]["volumes"][1], json::parse(R"({"name":"zroute-outbox","emptyDir":{"sizeLimit":"1Gi"}})"));
  EXPECT_EQ(pod["spec"]["terminationGracePeriodSeconds"], 30);  // raised from 10
  EXPECT_EQ(pod["metadata"]["annotations"]["zroute.io/injected"], "true");
  EXPECT_EQ(pod["metadata"]["labels"]["zroute.io/app-id"], "orders");
  EXPECT_EQ(pod["metadata"]["labels"]["pod-template-hash"], "7d9f8b6c5");
  EXPECT_EQ(pod["metadata"]["ownerReferences"], before["metadata"]["ownerReferences"]);
  EXPECT_FALSE(pod["metadata"].contains("name"));
  // The object had no namespace and only a generateName: the detail uses request.namespace.
  EXPECT_NE(r.detail.find("shop/orders-7d9f8b6c5-*"), std::string::npos) << r.detail;
}

TEST(SidecarInjectorTest, OlderClusterGetsPlainContainerAppended) {
  const json request = LoadFixture("review_deployment_pod.json");
  const ReviewResult r = ReviewAdmission(request, Config(28));
  ExpectAllowedWithPatch(request, r);
  const json pod = PatchedPod(request, r.review);
  EXPECT_FALSE(pod["spec"].contains("initContainers"));
  ASSERT_EQ(pod["spec"]["containers"].size(), 3u);
  const json& sidecar = pod["spec"]["containers"][2];
  EXPECT_EQ(sidecar["name"], "zroute-sidecar");
  EXPECT_FALSE(sidecar.contains("restartPolicy"));
  EXPECT_FALSE(sidecar.contains("startupProbe"));
  ExpectHardenedSidecar(sidecar);
  // The sidecar does not get the app environment pointing at itself.
  EXPECT_EQ(EnvValue(sidecar, "ZROUTE_PUBLISH_URL"), "<absent>");
  EXPECT_EQ(EnvValue(pod["spec"]["containers"][1], "ZROUTE_HTTP_PORT"), "3500");
}

TEST(SidecarInjectorTest, PodWithInitContainersAndOptionalAnnotations) {
  const json request = LoadFixture("review_pod_with_init_containers.json");
  const ReviewResult r = ReviewAdmission(request, Config(29));
  ExpectAllowedWithPatch(request, r);
  const json pod = PatchedPod(request, r.review);
  ASSERT_EQ(pod["spec"]["initContainers"].size(), 2u);
  EXPECT_EQ(pod["spec"]["initContainers"][0], request["request"]["object"]["spec"]["initContainers"][0]);
  const json& sidecar = pod["spec"]["initContainers"][1];
  EXPECT_EQ(sidecar["name"], "zroute-sidecar");
  EXPECT_EQ(sidecar["args"][1], "billing");
  EXPECT_EQ(sidecar["args"][3], "9000");
  EXPECT_EQ(sidecar["args"].back(), "debug");
  EXPECT_EQ(sidecar["resources"], json::parse(R"({"requests":{"cpu":"250m","memory":"96Mi"},
                                                    "limits":{"cpu":"250m","memory":"96Mi"}})"));
  EXPECT_EQ(FindContainer(json::array({sidecar}), "zroute-sidecar")["env"].back(),
            json::parse(R"({"name":"ZROUTE_API_TOKEN","valueFrom":{"secretKeyRef":{"name":"billing-token","key":"token"}}})"));
  // No volumes, labels, env or grace period before: each was added whole.
  EXPECT_EQ(pod["spec"]["volumes"],
            json::parse(R"([{"name":"zroute-outbox","persistentVolumeClaim":{"claimName":"billing-outbox"}}])"));
  EXPECT_EQ(pod["metadata"]["labels"], json::parse(R"({"zroute.io/app-id":"billing"})"));
  EXPECT_EQ(pod["spec"]["containers"][0]["env"].size(), 2u);
  EXPECT_EQ(pod["spec"]["terminationGracePeriodSeconds"], 30);
}

// The outbox settings the sidecar reads from `args`, parsed by the flag parser zroute-sidecar uses,
// with each injected flag declared with the type sidecar/main.cc gives it: an argument the sidecar
// would refuse at start fails here.
struct SidecarOutboxFlags {
  std::string outbox_sync = "batch";
  std::chrono::milliseconds outbox_sync_interval{10};
};
StatusOr<SidecarOutboxFlags> ParseAsSidecar(const json& args) {
  SidecarOutboxFlags out;
  std::string text;
  int number = 0;
  Flags flags("zroute-sidecar", "");
  for (const char* name : {"app-id", "operator", "namespace", "pod", "data-host", "data-advertise-host",
                           "metrics-host", "outbox-dir", "log-level"}) {
    flags.String(name, &text, "");
  }
  for (const char* name : {"app-port", "http-port", "data-port", "metrics-port"}) flags.Int(name, &number, "");
  flags.String("outbox-sync", &out.outbox_sync, "");
  flags.Millis("outbox-sync-interval", &out.outbox_sync_interval, "");
  std::vector<std::string> argv_strings = {"zroute-sidecar"};
  for (const auto& a : args) argv_strings.push_back(a.get<std::string>());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  ZR_RETURN_IF_ERROR(flags.Parse(static_cast<int>(argv.size()), argv.data()));
  return out;
}

json InjectedSidecar(const json& annotations) {
  json request = LoadFixture("review_deployment_pod.json");
  for (const auto& [key, value] : annotations.items()) {
    request["request"]["object"]["metadata"]["annotations"][key] = value;
  }
  const ReviewResult r = ReviewAdmission(request, Config(30));
  EXPECT_EQ(r.outcome, ReviewOutcome::kInjected) << r.detail;
  return FindContainer(PatchedPod(request, r.review)["spec"]["initContainers"], "zroute-sidecar");
}

TEST(SidecarInjectorTest, OutboxSyncAnnotationsReachTheSidecarsArgs) {
  // Not annotated: no flag, the sidecar's own default (batch) applies.
  json sidecar = InjectedSidecar(json::object());
  for (const auto& a : sidecar["args"]) {
    EXPECT_EQ(a.get<std::string>().rfind("--outbox-sync", 0), std::string::npos) << a;
  }
  auto parsed = ParseAsSidecar(sidecar["args"]);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->outbox_sync, "batch");

  sidecar = InjectedSidecar({{"zroute.io/outbox-sync", "batch"}});
  EXPECT_EQ(sidecar["args"][sidecar["args"].size() - 2], "--outbox-sync");
  EXPECT_EQ(sidecar["args"].back(), "batch");
  parsed = ParseAsSidecar(sidecar["args"]);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->outbox_sync, "batch");

  sidecar = InjectedSidecar({{"zroute.io/outbox-sync", "interval"}});
  EXPECT_EQ(sidecar["args"].back(), "interval");
  parsed = ParseAsSidecar(sidecar["args"]);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->outbox_sync, "interval");
  EXPECT_EQ(parsed->outbox_sync_interval, std::chrono::milliseconds(10));  // the sidecar's default

  const std::pair<const char*, int> intervals[] = {{"1", 1}, {"250", 250}, {"60000", 60000}};
  for (const auto& [annotation, want] : intervals) {
    sidecar = InjectedSidecar({{"zroute.io/outbox-sync", "interval"}, {"zroute.io/outbox-sync-interval", annotation}});
    const json& args = sidecar["args"];
    ASSERT_GE(args.size(), 4u);
    // The sidecar's duration flags need a unit: the annotation's bare milliseconds get "ms".
    EXPECT_EQ(json(std::vector<json>(args.end() - 4, args.end())),
              json::array({"--outbox-sync", "interval", "--outbox-sync-interval", std::to_string(want) + "ms"}));
    parsed = ParseAsSidecar(args);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->outbox_sync, "interval");
    EXPECT_EQ(parsed->outbox_sync_interval, std::chrono::milliseconds(want));
  }
}

TEST(SidecarInjectorTest, BadOutboxSyncAnnotationsAreDenied) {
  struct Case {
    json annotations;
    const char* message;
  } cases[] = {
      {{{"zroute.io/outbox-sync", "Batch"}}, "zroute.io/outbox-sync: \"Batch\" must be batch or interval"},
      {{{"zroute.io/outbox-sync", ""}}, "zroute.io/outbox-sync: \"\" must be batch or interval"},
      {{{"zroute.io/outbox-sync", true}}, "zroute.io/outbox-sync must be a string"},
      {{{"zroute.io/outbox-sync", std::string(10 * 1024, 'i')}}, "(10240 bytes) must be batch or interval"},
      {{{"zroute.io/outbox-sync", "interval"}, {"zroute.io/outbox-sync-interval", "10ms"}},
       "zroute.io/outbox-sync-interval: \"10ms\" must be a whole number of milliseconds"},
      {{{"zroute.io/outbox-sync", "interval"}, {"zroute.io/outbox-sync-interval", "0"}},
       "zroute.io/outbox-sync-interval: \"0\""},
      {{{"zroute.io/outbox-sync", "interval"}, {"zroute.io/outbox-sync-interval", 10}},
       "zroute.io/outbox-sync-interval must be a string"},
      {{{"zroute.io/outbox-sync-interval", "10"}},
       "zroute.io/outbox-sync-interval needs zroute.io/outbox-sync: interval"},
      {{{"zroute.io/outbox-sync", "batch"}, {"zroute.io/outbox-sync-interval", "10"}},
       "zroute.io/outbox-sync-interval needs zroute.io/outbox-sync: interval"},
  };
  for (const auto& c : cases) {
    json request = LoadFixture("review_deployment_pod.json");
    for (const auto& [key, value] : c.annotations.items()) {
      request["request"]["object"]["metadata"]["annotations"][key] = value;
    }
    SCOPED_TRACE(c.message);
    const ReviewResult r = ReviewAdmission(request, Config(30));
    ExpectDenied(r, request["request"]["uid"], c.message);
    EXPECT_LT(r.review.dump().size(), 1024u) << "the denial echoes the whole value";
  }
}

TEST(SidecarInjectorTest, SidecarGetsTheOperatorsPublicKeyWhenCurveIsOn) {
  const json request = LoadFixture("review_deployment_pod.json");
  InjectorConfig config = Config(29);
  const ReviewResult plain = ReviewAdmission(request, config);
  ASSERT_EQ(plain.outcome, ReviewOutcome::kInjected) << plain.detail;
  json pod = PatchedPod(request, plain.review);
  EXPECT_EQ(EnvValue(pod["spec"]["initContainers"].back(), "ZROUTE_OPERATOR_PUBLIC_KEY"), "<absent>");

  config.operator_public_key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
  const ReviewResult curve = ReviewAdmission(request, config);
  ASSERT_EQ(curve.outcome, ReviewOutcome::kInjected) << curve.detail;
  pod = PatchedPod(request, curve.review);
  EXPECT_EQ(EnvValue(pod["spec"]["initContainers"].back(), "ZROUTE_OPERATOR_PUBLIC_KEY"),
            config.operator_public_key);
}

TEST(SidecarInjectorTest, ReinvocationOnItsOwnOutputChangesNothing) {
  for (int minor : {27, 29, 33}) {
    for (const char* fixture : {"review_deployment_pod.json", "review_pod_with_init_containers.json"}) {
      const json request = LoadFixture(fixture);
      const ReviewResult first = ReviewAdmission(request, Config(minor));
      ASSERT_EQ(first.outcome, ReviewOutcome::kInjected) << first.detail;
      const json again = WithPod(request, PatchedPod(request, first.review), "second-uid");
      const ReviewResult second = ReviewAdmission(again, Config(minor));
      ExpectUnchanged(again, second);
      EXPECT_EQ(second.detail, "already injected");
    }
  }
}

TEST(SidecarInjectorTest, PlainSidecarFromBeforeAClusterUpgradeIsNotDuplicated) {
  const json request = LoadFixture("review_deployment_pod.json");
  const json plain = PatchedPod(request, ReviewAdmission(request, Config(27)).review);
  const json upgraded = WithPod(request, plain, "u2");
  const ReviewResult r = ReviewAdmission(upgraded, Config(30));
  ExpectUnchanged(upgraded, r);
}

TEST(SidecarInjectorTest, PodWithoutOptInIsAllowedUnchanged) {
  const json request = LoadFixture("review_pod_not_opted_in.json");
  ASSERT_FALSE(request["request"]["object"]["metadata"].contains("annotations"));
  ExpectUnchanged(request, ReviewAdmission(request, Config(30)));

  json off = LoadFixture("review_deployment_pod.json");
  off["request"]["object"]["metadata"]["annotations"]["zroute.io/inject"] = "false";
  ExpectUnchanged(off, ReviewAdmission(off, Config(30)));
  off["request"]["object"]["metadata"]["annotations"] = nullptr;
  ExpectUnchanged(off, ReviewAdmission(off, Config(30)));
}

TEST(SidecarInjectorTest, OperationsOtherThanCreateAreAllowedUnchanged) {
  for (const char* op : {"UPDATE", "DELETE", "CONNECT", ""}) {
    json request = LoadFixture("review_deployment_pod.json");
    request["request"]["operation"] = op;
    ExpectUnchanged(request, ReviewAdmission(request, Config(30)));
  }
}

TEST(SidecarInjectorTest, KindsOtherThanPodAndSubresourcesAreAllowedUnchanged) {
  const json custom = LoadFixture("admission.k8s.io.v1.AdmissionReview.json");
  const ReviewResult r = ReviewAdmission(custom, Config(30));
  ExpectUnchanged(custom, r);
  EXPECT_EQ(r.review["response"]["uid"], "uidValue");

  json deployment = LoadFixture("review_deployment_pod.json");
  deployment["request"]["kind"] = {{"group", "apps"}, {"version", "v1"}, {"kind", "Deployment"}};
  ExpectUnchanged(deployment, ReviewAdmission(deployment, Config(30)));

  json ephemeral = LoadFixture("review_deployment_pod.json");
  ephemeral["request"]["subResource"] = "ephemeralcontainers";
  ExpectUnchanged(ephemeral, ReviewAdmission(ephemeral, Config(30)));
}

TEST(SidecarInjectorTest, DryRunGetsTheSamePatch) {
  json request = LoadFixture("review_deployment_pod.json");
  const ReviewResult real = ReviewAdmission(request, Config(30));
  request["request"]["dryRun"] = true;
  const ReviewResult dry = ReviewAdmission(request, Config(30));
  ExpectAllowedWithPatch(request, dry);
  EXPECT_EQ(PatchOf(dry.review), PatchOf(real.review));
}

TEST(SidecarInjectorTest, ExistingEnvNamesAreNotDuplicatedOrOverwritten) {
  json request = LoadFixture("review_deployment_pod.json");
  request["request"]["object"]["spec"]["containers"][0]["env"].push_back({{"name", "ZROUTE_HTTP_PORT"}, {"value", "4500"}});
  const json pod = PatchedPod(request, ReviewAdmission(request, Config(30)).review);
  const json& env = pod["spec"]["containers"][0]["env"];
  int http_port_entries = 0;
  for (const auto& e : env) http_port_entries += e["name"] == "ZROUTE_HTTP_PORT" ? 1 : 0;
  EXPECT_EQ(http_port_entries, 1);
  EXPECT_EQ(EnvValue(pod["spec"]["containers"][0], "ZROUTE_HTTP_PORT"), "4500");
  EXPECT_EQ(EnvValue(pod["spec"]["containers"][0], "ZROUTE_PUBLISH_URL"), "http://127.0.0.1:3500/v1/publish");
}

TEST(SidecarInjectorTest, RaisedGracePeriodAndHostNetworkAreReportedAsWarnings) {
  json request = LoadFixture("review_deployment_pod.json");
  ReviewResult r = ReviewAdmission(request, Config(30));
  ASSERT_EQ(r.review["response"]["warnings"].size(), 1u);
  EXPECT_NE(r.review["response"]["warnings"][0].get<std::string>().find("raised to 30"), std::string::npos);

  request["request"]["object"]["spec"]["terminationGracePeriodSeconds"] = 45;
  r = ReviewAdmission(request, Config(30));
  EXPECT_FALSE(r.review["response"].contains("warnings"));

  request["request"]["object"]["spec"]["hostNetwork"] = true;
  r = ReviewAdmission(request, Config(30));
  ASSERT_EQ(r.review["response"]["warnings"].size(), 1u);
  EXPECT_NE(r.review["response"]["warnings"][0].get<std::string>().find("hostNetwork"), std::string::npos);
}

TEST(SidecarInjectorTest, LongerGracePeriodAndUserOutboxVolumeAreKept) {
  json request = LoadFixture("review_deployment_pod.json");
  request["request"]["object"]["spec"]["terminationGracePeriodSeconds"] = 120;
  request["request"]["object"]["spec"]["volumes"].push_back(
      {{"name", "zroute-outbox"}, {"persistentVolumeClaim", {{"claimName", "mine"}}}});
  const json pod = PatchedPod(request, ReviewAdmission(request, Config(30)).review);
  EXPECT_EQ(pod["spec"]["terminationGracePeriodSeconds"], 120);
  EXPECT_EQ(pod["spec"]["volumes"], request["request"]["object"]["spec"]["volumes"]);
}

TEST(SidecarInjectorTest, AnnotationKeysWithSlashAndTildeAreEscapedInPaths) {
  json request = LoadFixture("review_deployment_pod.json");
  request["request"]["object"]["metadata"]["annotations"]["example.com/a~b"] = "keep";
  request["request"]["object"]["metadata"]["labels"]["x~y"] = "keep";
  const ReviewResult r = ReviewAdmission(request, Config(30));
  const json patch = PatchOf(r.review);
  std::set<std::string> paths;
  for (const auto& op : patch) paths.insert(op["path"].get<std::string>());
  EXPECT_TRUE(paths.count("/metadata/annotations/zroute.io~1injected"));
  EXPECT_TRUE(paths.count("/metadata/labels/zroute.io~1app-id"));
  const json pod = request["request"]["object"].patch(patch);
  EXPECT_EQ(pod["metadata"]["annotations"]["example.com/a~b"], "keep");
  EXPECT_EQ(pod["metadata"]["labels"]["x~y"], "keep");
  EXPECT_EQ(pod["metadata"]["annotations"]["zroute.io/injected"], "true");
}

TEST(SidecarInjectorTest, FullyPopulatedPodChangesOnlyWhereInjectionWrites) {
  json pod = LoadFixture("core.v1.Pod.json");
  pod["metadata"]["annotations"]["zroute.io/inject"] = "true";
  pod["metadata"]["annotations"]["zroute.io/app-id"] = "fixture";
  pod["metadata"]["annotations"]["zroute.io/app-port"] = "8080";
  json request = LoadFixture("review_deployment_pod.json");
  request = WithPod(request, pod, "full");
  for (int minor : {28, 33}) {
    const ReviewResult r = ReviewAdmission(request, Config(minor));
    ASSERT_EQ(r.outcome, ReviewOutcome::kInjected) << r.detail;
    const json after = PatchedPod(request, r.review);
    EXPECT_EQ(CountContainers(after, "zroute-sidecar"), 1);
    // Every difference lies under a path the injector owns.
    const std::vector<std::string> allowed = {
        "/metadata/annotations/zroute.io~1injected", "/metadata/labels/zroute.io~1app-id",
        "/spec/containers/0/env/", "/spec/terminationGracePeriodSeconds",
        // json::diff spells appends to an array as "/-".
        "/spec/initContainers/-", "/spec/containers/-", "/spec/volumes/-"};
    for (const auto& op : json::diff(pod, after)) {
      const std::string path = op["path"];
      bool ok = false;
      for (const auto& prefix : allowed) ok = ok || path.rfind(prefix, 0) == 0;
      EXPECT_TRUE(ok) << "unexpected change at " << path << " for minor " << minor;
    }
    EXPECT_EQ(after["spec"]["ephemeralContainers"], pod["spec"]["ephemeralContainers"]);
    EXPECT_EQ(after["spec"]["terminationGracePeriodSeconds"], 30);
  }
}

TEST(SidecarInjectorTest, MissingAppIdIsDeniedWithAClearMessage) {
  json request = LoadFixture("review_deployment_pod.json");
  request["request"]["object"]["metadata"]["annotations"].erase("zroute.io/app-id");
  ExpectDenied(ReviewAdmission(request, Config(30)), request["request"]["uid"], "zroute.io/app-id is required");
}

TEST(SidecarInjectorTest, ReservedSidecarPortsAreDenied) {
  json request = LoadFixture("review_deployment_pod.json");
  request["request"]["object"]["metadata"]["annotations"]["zroute.io/app-port"] = "3500";
  ExpectDenied(ReviewAdmission(request, Config(30)), request["request"]["uid"], "port 3500 is reserved");
  request = LoadFixture("review_deployment_pod.json");
  request["request"]["object"]["spec"]["containers"][1]["ports"] = json::parse(R"([{"containerPort":3600}])");
  ExpectDenied(ReviewAdmission(request, Config(30)), request["request"]["uid"], "port 3600 is reserved");
  request = LoadFixture("review_deployment_pod.json");
  request["request"]["object"]["spec"]["containers"][1]["ports"] = json::parse(R"([{"containerPort":3501}])");
  ExpectDenied(ReviewAdmission(request, Config(30)), request["request"]["uid"], "port 3501 is reserved");
}

TEST(SidecarInjectorTest, MalformedReviewsAreDeniedNotThrown) {
  const InjectorConfig config = Config(30);
  ExpectDenied(ReviewAdmissionBody("not json", config), "", "not valid JSON");
  ExpectDenied(ReviewAdmissionBody("", config), "", "not valid JSON");
  ExpectDenied(ReviewAdmissionBody("[1,2]", config), "", "must be a JSON object");
  ExpectDenied(ReviewAdmissionBody(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})", config), "",
               "no request");
  ExpectDenied(ReviewAdmissionBody(R"({"apiVersion":"admission.k8s.io/v1","request":{"kind":{"kind":"Pod"}}})", config),
               "", "uid is missing");
  ExpectDenied(ReviewAdmissionBody(R"({"apiVersion":"admission.k8s.io/v1","request":{"uid":42}})", config), "",
               "uid is missing");
  ExpectDenied(ReviewAdmissionBody(R"({"apiVersion":"admission.k8s.io/v1beta1","request":{"uid":"u"}})", config), "u",
               "apiVersion");
  ExpectDenied(ReviewAdmissionBody(std::string(100, '[') + std::string(100, ']'), config), "", "nested too deeply");

  struct Mutation {
    const char* pointer;
    json value;
    const char* message;
  } mutations[] = {
      {"/request/object", "a pod", "request.object"},
      {"/request/object/metadata", json::array(), "metadata must be an object"},
      {"/request/object/metadata/annotations", "x", "annotations must be an object"},
      {"/request/object/spec", nullptr, "spec must be an object"},
      {"/request/object/spec/containers", json::array(), "containers must be a non-empty array"},
      {"/request/object/spec/containers/0", json::object(), "without a string name"},
      {"/request/object/spec/initContainers", json::object(), "initContainers must be an array"},
      {"/request/object/spec/volumes", 5, "volumes must be an array"},
      {"/request/object/metadata/labels", json::array(), "labels must be an object"},
  };
  for (const auto& m : mutations) {
    json request = LoadFixture("review_deployment_pod.json");
    request[json::json_pointer(m.pointer)] = m.value;
    SCOPED_TRACE(m.pointer);
    ExpectDenied(ReviewAdmissionBody(request.dump(), config), request["request"]["uid"], m.message);
  }
}

TEST(SidecarInjectorTest, ConfigValidationCatchesBadSettings) {
  EXPECT_TRUE(ValidateInjectorConfig(Config(30)).ok());
  InjectorConfig c = Config(30);
  c.sidecar_image = "";
  EXPECT_FALSE(ValidateInjectorConfig(c).ok());
  c = Config(30);
  c.image_pull_policy = "Sometimes";
  EXPECT_FALSE(ValidateInjectorConfig(c).ok());
  c = Config(30);
  c.memory_limit = "256MB";
  Status s = ValidateInjectorConfig(c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("memory limit"), std::string::npos);
  c = Config(30);
  c.default_log_level = "trace";
  EXPECT_FALSE(ValidateInjectorConfig(c).ok());
  c = Config(30);
  c.termination_grace_seconds = -1;
  EXPECT_FALSE(ValidateInjectorConfig(c).ok());
}

TEST(SidecarInjectorTest, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace zroute::webhook
