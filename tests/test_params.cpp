// params.json: typed keys with defaults, the model's own keys, and one test per kind of mistake
// (each error must name the file, the key and what was wrong).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <ember/train/params.h>

#include "ember/core/error.h"
#include "test_cli_util.h"

using namespace ember;
using namespace ember::train;
using ember::testing::error_of;
namespace fs = std::filesystem;

namespace {

// "toy" has a key of its own; "plain" has none; anything else is unknown.
std::vector<ParamSpec> toy_schema(const std::string& model) {
  std::vector<ParamSpec> s = Params::common_specs();
  if (model == "toy") s.push_back(int_param("hidden", 64, "hidden units", 1, 4096));
  else if (model != "plain") EMBER_THROW("unknown model '", model, "' (registered models: plain, toy)");
  return s;
}

Params parse(const std::string& text) { return Params::parse(text, "exp/params.json", toy_schema); }


}  // namespace

TEST(Params, DefaultsFillWhatTheFileLeavesOut) {
  Params p = parse(R"({"model": "toy"})");
  EXPECT_EQ(p.model(), "toy");
  EXPECT_DOUBLE_EQ(p.learning_rate(), 1e-3);
  EXPECT_EQ(p.batch_size(), 64);
  EXPECT_EQ(p.num_epochs(), 10);
  EXPECT_EQ(p.seed(), 230);
  EXPECT_EQ(p.get_string("optimizer"), "Adam");
  EXPECT_EQ(p.get_string("lr_scheduler"), "none");
  EXPECT_DOUBLE_EQ(p.get_float("val_fraction"), 0.1);
  EXPECT_EQ(p.get_int("hidden"), 64);
  EXPECT_TRUE(p.is_set("model"));
  EXPECT_FALSE(p.is_set("batch_size"));
  EXPECT_TRUE(p.get_object("optimizer_options").empty());
  EXPECT_EQ(p.source(), "exp/params.json");
}

TEST(Params, ReadsEveryTypeAndConvertsNumbersLosslessly) {
  Params p = parse(R"({
    "model": "toy", "learning_rate": 1, "batch_size": 32.0, "num_epochs": 3, "hidden": 128,
    "optimizer": "sgd", "optimizer_options": {"momentum": 0.9, "nesterov": true, "betas": [0.5, 0.6]},
    "lr_scheduler": "steplr", "lr_scheduler_options": {"step_size": 2, "gamma": 0.5},
    "dropout_rate": 0.25, "metric": "loss"})");
  EXPECT_EQ(p.at("learning_rate").type(), ParamValue::Type::Float);  // 1 -> 1.0
  EXPECT_DOUBLE_EQ(p.learning_rate(), 1.0);
  EXPECT_EQ(p.at("batch_size").type(), ParamValue::Type::Int);  // 32.0 -> 32
  EXPECT_EQ(p.batch_size(), 32);
  EXPECT_EQ(p.get_int("hidden"), 128);
  EXPECT_EQ(p.get_string("optimizer"), "SGD");        // canonical spelling of a choice
  EXPECT_EQ(p.get_string("lr_scheduler"), "StepLR");
  const optim::Options& oo = p.get_object("optimizer_options");
  EXPECT_DOUBLE_EQ(oo.get("momentum"), 0.9);
  EXPECT_TRUE(oo.get_bool("nesterov"));
  EXPECT_EQ(oo.get_list("betas"), (std::vector<double>{0.5, 0.6}));
  EXPECT_EQ(p.get_object("lr_scheduler_options").get_int("step_size"), 2);
  EXPECT_DOUBLE_EQ(p.get_float("dropout_rate"), 0.25);
  EXPECT_EQ(p.get_string("metric"), "loss");
}

TEST(Params, UnknownKeyNamesTheKeyTheFileAndAHint) {
  std::string msg = error_of([] { parse(R"({"model": "toy", "learnig_rate": 0.1})"); });
  EXPECT_HAS(msg, "exp/params.json");
  EXPECT_HAS(msg, "unknown key 'learnig_rate'");
  EXPECT_HAS(msg, "did you mean 'learning_rate'");
  EXPECT_HAS(msg, "model 'toy'");
}

TEST(Params, ModelKeysBelongToTheirModelOnly) {
  EXPECT_EQ(parse(R"({"model": "toy", "hidden": 8})").get_int("hidden"), 8);
  std::string msg = error_of([] { parse(R"({"model": "plain", "hidden": 8})"); });
  EXPECT_HAS(msg, "unknown key 'hidden'");
  EXPECT_HAS(msg, "model 'plain'");
}

TEST(Params, WrongTypeNamesKeyExpectedAndFound) {
  std::string msg = error_of([] { parse(R"({"model": "toy", "batch_size": "64"})"); });
  EXPECT_HAS(msg, "exp/params.json: key 'batch_size': expected an integer, found string \"64\"");
  msg = error_of([] { parse(R"({"model": "toy", "batch_size": 64.5})"); });
  EXPECT_HAS(msg, "key 'batch_size': expected an integer, found number 64.5");
  msg = error_of([] { parse(R"({"model": "toy", "learning_rate": true})"); });
  EXPECT_HAS(msg, "key 'learning_rate': expected a number, found boolean true");
  msg = error_of([] { parse(R"({"model": "toy", "optimizer": 3})"); });
  EXPECT_HAS(msg, "key 'optimizer': expected a string, found integer 3");
  msg = error_of([] { parse(R"({"model": "toy", "seed": null})"); });
  EXPECT_HAS(msg, "key 'seed'");
  EXPECT_HAS(msg, "null");
  msg = error_of([] { parse(R"({"model": "toy", "optimizer_options": {"betas": {"a": 1}}})"); });
  EXPECT_HAS(msg, "optimizer_options.betas");
  msg = error_of([] { parse(R"({"model": "toy", "optimizer_options": 0.9})"); });
  EXPECT_HAS(msg, "key 'optimizer_options': expected an object, found number 0.9");
  msg = error_of([] { parse(R"({"model": 7})"); });
  EXPECT_HAS(msg, "key 'model': expected a string, found number 7");
}

TEST(Params, MalformedJsonNamesLineAndColumn) {
  // Line 3 has a trailing comma before the closing brace at line 4, column 1.
  std::string msg = error_of([] { parse("{\n  \"model\": \"toy\",\n  \"batch_size\": 32,\n}\n"); });
  EXPECT_HAS(msg, "exp/params.json:4:1: malformed JSON");
  msg = error_of([] { parse("{\"model\": \"toy\", \"batch_size\": 3 2}"); });
  EXPECT_HAS(msg, "exp/params.json:1:");
  EXPECT_HAS(msg, "malformed JSON");
  msg = error_of([] { parse(""); });
  EXPECT_HAS(msg, "malformed JSON");
  msg = error_of([] { parse("[1, 2]"); });
  EXPECT_HAS(msg, "expected a JSON object");
}

TEST(Params, DuplicateKeyIsAnError) {
  std::string msg = error_of([] { parse(R"({"model": "toy", "batch_size": 32, "batch_size": 64})"); });
  EXPECT_HAS(msg, "exp/params.json: key 'batch_size' appears twice");
}

// A number too large for a double is malformed JSON (nlohmann threw its own out_of_range, which
// no caller caught as an ember::Error); a duplicate deep inside nested values is still found.
TEST(Params, NumberOverflowAndNestedDuplicatesAreErrors) {
  EXPECT_ERROR_HAS(parse(R"({"model": "toy", "learning_rate": 1e999})"), "exp/params.json: malformed JSON",
                   "number overflow parsing '1e999'");
  EXPECT_ERROR_HAS(parse(R"({"model": "toy", "optimizer_options": {"betas": [0.9, 0.99], "eps": 1, "eps": 2}})"),
                   "exp/params.json: key 'eps' appears twice");
  EXPECT_ERROR_HAS(parse(R"({"model": "toy", "x": [{"a": 1}, {"a": 2}], "x": 1})"), "key 'x' appears twice");
}

TEST(Params, MissingOrUnknownModel) {
  std::string msg = error_of([] { parse(R"({"batch_size": 32})"); });
  EXPECT_HAS(msg, "exp/params.json: missing required key 'model'");
  msg = error_of([] { parse(R"({"model": "resnet"})"); });
  EXPECT_HAS(msg, "exp/params.json");
  EXPECT_HAS(msg, "unknown model 'resnet'");
  EXPECT_HAS(msg, "plain, toy");
}

TEST(Params, RangesAndChoices) {
  EXPECT_HAS(error_of([] { parse(R"({"model": "toy", "learning_rate": 0})"); }),
             "key 'learning_rate': 0.0 is out of range: must be > 0");
  EXPECT_HAS(error_of([] { parse(R"({"model": "toy", "dropout_rate": 1.0})"); }),
             "key 'dropout_rate': 1.0 is out of range: must be in [0.0, 1.0)");
  EXPECT_HAS(error_of([] { parse(R"({"model": "toy", "batch_size": 0})"); }), "must be >= 1");
  EXPECT_HAS(error_of([] { parse(R"({"model": "toy", "hidden": 5000})"); }), "must be in [1.0, 4096.0]");
  EXPECT_HAS(error_of([] { parse(R"({"model": "toy", "num_threads": 3000000000})"); }),
             "key 'num_threads': 3000000000 is out of range: must be in [0.0, 1024.0]");
  std::string msg = error_of([] { parse(R"({"model": "toy", "optimizer": "Adamax"})"); });
  EXPECT_HAS(msg, "key 'optimizer': \"Adamax\" is not one of: SGD, Adam, AdamW, RMSprop, Adagrad");
}

TEST(Params, ToJsonRoundTripsEveryKey) {
  Params p = parse(R"({"model": "toy", "learning_rate": 0.0003, "hidden": 16,
                       "optimizer_options": {"betas": [0.8, 0.9]}, "lr_scheduler": "ReduceLROnPlateau"})");
  const std::string text = p.to_json();
  EXPECT_HAS(text, "\"model\": \"toy\"");
  EXPECT_HAS(text, "\"learning_rate\": 0.0003");
  EXPECT_HAS(text, "\"batch_size\": 64");  // defaults are written out: a trial's params.json is complete
  EXPECT_HAS(text, "\"hidden\": 16");
  Params q = parse(text);
  EXPECT_EQ(q.to_json(), text);
  for (const ParamSpec& s : p.schema()) EXPECT_EQ(q.at(s.name), p.at(s.name)) << s.name;
}

TEST(Params, SetChecksLikeTheFileAndSetsOptionsByDottedKey) {
  Params p = parse(R"({"model": "toy"})");
  p.set("learning_rate", ParamValue(3));  // an int where a float is expected
  EXPECT_EQ(p.at("learning_rate"), ParamValue(3.0));
  p.set("batch_size", ParamValue(16.0));
  EXPECT_EQ(p.batch_size(), 16);
  p.set("optimizer_options.momentum", ParamValue(0.9));
  EXPECT_DOUBLE_EQ(p.get_object("optimizer_options").get("momentum"), 0.9);
  EXPECT_HAS(error_of([&] { p.set("batch_size", ParamValue(2.5)); }), "expected an integer");
  EXPECT_HAS(error_of([&] { p.set("nope", ParamValue(1)); }), "unknown key 'nope'");
  EXPECT_HAS(error_of([&] { p.set("batch_size.x", ParamValue(1)); }), "not an object");
  EXPECT_EQ(p.batch_size(), 16);  // failed sets change nothing
}

TEST(Params, LoadAndSaveFiles) {
  fs::path dir = fs::temp_directory_path() / ("ember_params_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "params.json").string();
  EXPECT_HAS(error_of([&] { Params::load(path, toy_schema); }), path + ": no such file");
  Params p = parse(R"({"model": "toy", "num_epochs": 2})");
  p.save(path);
  Params q = Params::load(path, toy_schema);
  EXPECT_EQ(q.num_epochs(), 2);
  EXPECT_EQ(q.source(), path);
  size_t entries = 0;
  for (auto& e : fs::directory_iterator(dir)) entries += !e.path().empty();
  EXPECT_EQ(entries, 1u);  // no temporary file left behind
  fs::remove_all(dir);
}
