// SummaryWriter's plugin summaries: images (PNG), text, hparams and graphs, decoded with the
// independent reader in support/event_reader.h. Expected pixels were computed with PyTorch
// 1.13's summary.image code ((x * 255).clip(0, 255).astype(uint8), in float32).
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <ember/ember.h>
#include <ember/io/image.h>
#include <ember/io/tensorboard.h>
#include <ember/nn/module.h>

#include "graph.pb.h"
#include "hparams.pb.h"

#include "support/error_matchers.h"
#include "support/event_reader.h"

namespace fs = std::filesystem;
namespace pb = ::tensorboard;  // the protoc-generated messages
using namespace ember;
using namespace ember::testing::tb;
using ember::tensorboard::SummaryWriter;

namespace {

std::vector<int64_t> pixels(const Tensor& t) {
  Tensor c = t.contiguous();
  const uint8_t* p = c.data_ptr<uint8_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

}  // namespace

// x = arange(24).reshape(3,2,4) / 20 - 0.1 (float32, CHW); PyTorch stores
// (HWC * 255).clip(0, 255).astype(uint8) as PNG.
TEST(TensorBoard, ImageChwFloatMatchesPyTorch) {
  TempDir d;
  Tensor x = arange(24, kFloat32).reshape({3, 2, 4}) / 20 - 0.1;
  {
    SummaryWriter w(d.str());
    w.add_image("img", x, 2);
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 1u);
  const auto& v = ev[0].summary().value(0);
  EXPECT_EQ(v.tag(), "img");
  ASSERT_TRUE(v.has_image());
  EXPECT_EQ(v.image().height(), 2);
  EXPECT_EQ(v.image().width(), 4);
  EXPECT_EQ(v.image().colorspace(), 3);
  const std::string& png = v.image().encoded_image_string();
  ASSERT_GE(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  Tensor decoded = io::decode_image(std::vector<uint8_t>(png.begin(), png.end()), "summary image");
  EXPECT_EQ(decoded.sizes(), (Shape{2, 4, 3}));
  EXPECT_EQ(pixels(decoded), (std::vector<int64_t>{0, 76, 178, 0, 89, 191, 0, 102, 203, 12, 114, 216,
                                                   25, 127, 229, 38, 140, 242, 51, 152, 255, 63, 165, 255}));
}

TEST(TensorBoard, ImageHwcUint8GreyAndRgba) {
  TempDir d;
  std::vector<uint8_t> rgba;
  for (int i = 0; i < 2 * 3 * 4; ++i) rgba.push_back(static_cast<uint8_t>(i * 10));
  Tensor hwc = tensor(rgba, {2, 3, 4});
  Tensor grey = tensor(std::vector<float>{0.0f, 0.5f, 1.0f, 0.25f}, {1, 2, 2});
  Tensor hw = tensor(std::vector<uint8_t>{1, 2, 3, 4, 5, 6}, {3, 2});
  {
    SummaryWriter w(d.str());
    w.add_image("rgba", hwc, 0, std::nullopt, "HWC");
    w.add_image("grey", grey, 1);
    w.add_image("hw", hw, 2, std::nullopt, "WH");  // transposed: (2,3) picture
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 3u);
  auto decode = [](const pb::Summary::Value& v) {
    const std::string& s = v.image().encoded_image_string();
    return io::decode_image(std::vector<uint8_t>(s.begin(), s.end()), v.tag());
  };
  const auto& a = ev[0].summary().value(0);
  EXPECT_EQ(a.image().colorspace(), 4);
  EXPECT_EQ(pixels(decode(a)), std::vector<int64_t>(rgba.begin(), rgba.end()));
  const auto& g = ev[1].summary().value(0);
  EXPECT_EQ(g.image().colorspace(), 3);  // grey becomes RGB, as PyTorch's convert_to_HWC does
  EXPECT_EQ(pixels(decode(g)), (std::vector<int64_t>{0, 0, 0, 127, 127, 127, 255, 255, 255, 63, 63, 63}));
  const auto& t = ev[2].summary().value(0);
  EXPECT_EQ(t.image().height(), 2);
  EXPECT_EQ(t.image().width(), 3);
  Tensor td = decode(t);
  EXPECT_EQ(td.sizes(), (Shape{2, 3, 3}));
  EXPECT_EQ(pixels(td.index({Slice(), Slice(), 0})), (std::vector<int64_t>{1, 3, 5, 2, 4, 6}));
}

// add_images tiles 10 (1,2,2) images into 2 rows of 8 without padding; empty cells are black.
TEST(TensorBoard, AddImagesGrid) {
  TempDir d;
  Tensor batch = (arange(40, kInt64).reshape({10, 1, 2, 2}) + 1).to(kUInt8);  // uint8: stored as is
  {
    SummaryWriter w(d.str());
    w.add_images("batch", batch, 0);
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 1u);
  const auto& v = ev[0].summary().value(0);
  EXPECT_EQ(v.image().height(), 4);
  EXPECT_EQ(v.image().width(), 16);
  EXPECT_EQ(v.image().colorspace(), 3);
  const std::string& s = v.image().encoded_image_string();
  Tensor img = io::decode_image(std::vector<uint8_t>(s.begin(), s.end()), "grid");
  ASSERT_EQ(img.sizes(), (Shape{4, 16, 3}));
  Tensor c = img.contiguous();
  const uint8_t* p = c.data_ptr<uint8_t>();
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 16; ++x) {
      const int64_t k = (y / 2) * 8 + x / 2;  // which image
      const int64_t expect = k < 10 ? k * 4 + (y % 2) * 2 + (x % 2) + 1 : 0;
      for (int ch = 0; ch < 3; ++ch) EXPECT_EQ(p[(y * 16 + x) * 3 + ch], expect) << y << "," << x;
    }
}

TEST(TensorBoard, Text) {
  TempDir d;
  const std::string text = "**lr** = 0.1\n\nüñí ✓";
  {
    SummaryWriter w(d.str());
    w.add_text("notes", text, 4);
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].step(), 4);
  const auto& v = ev[0].summary().value(0);
  EXPECT_EQ(v.tag(), "notes/text_summary");
  EXPECT_EQ(v.metadata().plugin_data().plugin_name(), "text");
  EXPECT_EQ(v.metadata().plugin_data().content(), "");
  ASSERT_TRUE(v.has_tensor());
  EXPECT_EQ(v.tensor().dtype(), pb::DT_STRING);
  ASSERT_EQ(v.tensor().tensor_shape().dim_size(), 1);
  EXPECT_EQ(v.tensor().tensor_shape().dim(0).size(), 1);
  ASSERT_EQ(v.tensor().string_val_size(), 1);
  EXPECT_EQ(v.tensor().string_val(0), text);
}

namespace {
pb::hparams::HParamsPluginData plugin_data_of(const pb::Summary::Value& v) {
  EXPECT_EQ(v.metadata().plugin_data().plugin_name(), "hparams");
  pb::hparams::HParamsPluginData pd;
  EXPECT_TRUE(pd.ParseFromString(v.metadata().plugin_data().content()));
  EXPECT_EQ(pd.version(), 0);
  return pd;
}
}  // namespace

TEST(TensorBoard, HParamsAsPyTorchWritesThem) {
  TempDir d;
  {
    SummaryWriter w(d.str());
    w.add_hparams({{"lr", 0.01}, {"batch_size", 64}, {"optimizer", "adam"}, {"augment", true}},
                  {{"hparam/accuracy", 0.93}, {"hparam/loss", 0.21}},
                  {{"optimizer", {"adam", "sgd"}}, {"batch_size", {32, 64}}}, "trial_1");
  }
  fs::path run = d.path() / "trial_1";
  auto ev = summaries(event_file_in(run));
  ASSERT_EQ(ev.size(), 5u);

  const auto& exp_v = ev[0].summary().value(0);
  EXPECT_EQ(exp_v.tag(), "_hparams_/experiment");
  EXPECT_EQ(exp_v.value_case(), pb::Summary::Value::VALUE_NOT_SET);
  auto exp_pd = plugin_data_of(exp_v);
  ASSERT_TRUE(exp_pd.has_experiment());
  const auto& exp = exp_pd.experiment();
  ASSERT_EQ(exp.hparam_infos_size(), 4);
  EXPECT_EQ(exp.hparam_infos(0).name(), "lr");
  EXPECT_EQ(exp.hparam_infos(0).type(), pb::hparams::DATA_TYPE_FLOAT64);
  EXPECT_FALSE(exp.hparam_infos(0).has_domain_discrete());
  EXPECT_EQ(exp.hparam_infos(1).name(), "batch_size");
  EXPECT_EQ(exp.hparam_infos(1).type(), pb::hparams::DATA_TYPE_FLOAT64);
  ASSERT_TRUE(exp.hparam_infos(1).has_domain_discrete());
  ASSERT_EQ(exp.hparam_infos(1).domain_discrete().values_size(), 2);
  EXPECT_EQ(exp.hparam_infos(1).domain_discrete().values(0).number_value(), 32);
  EXPECT_EQ(exp.hparam_infos(2).name(), "optimizer");
  EXPECT_EQ(exp.hparam_infos(2).type(), pb::hparams::DATA_TYPE_STRING);
  ASSERT_EQ(exp.hparam_infos(2).domain_discrete().values_size(), 2);
  EXPECT_EQ(exp.hparam_infos(2).domain_discrete().values(1).string_value(), "sgd");
  EXPECT_EQ(exp.hparam_infos(3).type(), pb::hparams::DATA_TYPE_BOOL);
  ASSERT_EQ(exp.metric_infos_size(), 2);
  EXPECT_EQ(exp.metric_infos(0).name().tag(), "hparam/accuracy");
  EXPECT_EQ(exp.metric_infos(0).name().group(), "");
  EXPECT_EQ(exp.metric_infos(1).name().tag(), "hparam/loss");

  const auto& ssi_v = ev[1].summary().value(0);
  EXPECT_EQ(ssi_v.tag(), "_hparams_/session_start_info");
  auto ssi_pd = plugin_data_of(ssi_v);
  ASSERT_TRUE(ssi_pd.has_session_start_info());
  const auto& hp = ssi_pd.session_start_info().hparams();
  ASSERT_EQ(hp.size(), 4u);
  EXPECT_EQ(hp.at("lr").number_value(), 0.01);
  EXPECT_EQ(hp.at("batch_size").number_value(), 64);
  EXPECT_EQ(hp.at("optimizer").string_value(), "adam");
  EXPECT_EQ(hp.at("augment").kind_case(), google::protobuf::Value::kBoolValue);
  EXPECT_TRUE(hp.at("augment").bool_value());

  const auto& sei_v = ev[2].summary().value(0);
  EXPECT_EQ(sei_v.tag(), "_hparams_/session_end_info");
  auto sei_pd = plugin_data_of(sei_v);
  ASSERT_TRUE(sei_pd.has_session_end_info());
  EXPECT_EQ(sei_pd.session_end_info().status(), pb::hparams::STATUS_SUCCESS);

  EXPECT_EQ(ev[3].summary().value(0).tag(), "hparam/accuracy");
  EXPECT_EQ(ev[3].summary().value(0).simple_value(), 0.93f);
  EXPECT_EQ(ev[4].summary().value(0).tag(), "hparam/loss");
  EXPECT_EQ(ev[4].summary().value(0).simple_value(), 0.21f);

  // The main run holds only its file_version record.
  EXPECT_TRUE(summaries(event_file_in(d.path())).empty());
}

TEST(TensorBoard, HParamsDefaultRunNameIsTheTime) {
  TempDir d;
  const double t0 = now();
  {
    SummaryWriter w(d.str());
    w.add_hparams({{"lr", 0.1}}, {{"acc", 1.0}}, {}, "", 12);
  }
  std::vector<fs::path> runs;
  for (auto& e : fs::directory_iterator(d.path()))
    if (e.is_directory()) runs.push_back(e.path());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_NEAR(std::stod(runs[0].filename().string()), t0, 5.0);
  auto ev = summaries(event_file_in(runs[0]));
  ASSERT_EQ(ev.size(), 4u);
  for (auto& e : ev) EXPECT_EQ(e.step(), 12);
}

TEST(TensorBoard, GraphOfAutogradOps) {
  TempDir d;
  Tensor w = tensor({0.5f, -1.0f, 2.0f, 0.25f, 1.5f, -0.5f}, {2, 3}).requires_grad_();
  Tensor b = tensor({0.1f, 0.2f}).requires_grad_();
  Tensor x = tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f, 9.0f, 1.0f, 2.0f, 3.0f}, {4, 1, 3});
  Tensor y = ((x * w).sum({2}) + b).relu().sum();  // a linear layer x w^T + b, then relu and sum
  {
    SummaryWriter sw(d.str());
    sw.add_graph(y, {{"fc1.weight", w}, {"fc1.bias", b}});
  }
  auto events = read_events(event_file_in(d.path()));
  ASSERT_EQ(events.size(), 2u);
  ASSERT_EQ(events[1].what_case(), pb::Event::kGraphDef);
  pb::GraphDef g;
  ASSERT_TRUE(g.ParseFromString(events[1].graph_def()));
  EXPECT_EQ(g.versions().producer(), 22);
  std::map<std::string, const pb::NodeDef*> by_name;
  for (const auto& n : g.node()) {
    EXPECT_TRUE(by_name.emplace(n.name(), &n).second) << "duplicate node " << n.name();
    EXPECT_TRUE(std::regex_match(n.name(), std::regex(R"([A-Za-z0-9.][A-Za-z0-9_>./]*)"))) << n.name();
    for (const auto& in : n.input()) EXPECT_TRUE(by_name.count(in)) << n.name() << " uses " << in << " before it";
    ASSERT_TRUE(n.attr().count("_output_shapes")) << n.name();
  }
  auto shape_of = [&](const std::string& name) {
    const auto& l = by_name.at(name)->attr().at("_output_shapes").list();
    EXPECT_EQ(l.shape_size(), 1);
    Shape s;
    for (const auto& dim : l.shape(0).dim()) s.push_back(dim.size());
    return s;
  };
  ASSERT_TRUE(by_name.count("fc1/weight"));
  ASSERT_TRUE(by_name.count("fc1/bias"));
  EXPECT_EQ(by_name["fc1/weight"]->op(), "Parameter");
  EXPECT_EQ(shape_of("fc1/weight"), (Shape{2, 3}));
  EXPECT_EQ(shape_of("fc1/bias"), (Shape{2}));
  ASSERT_TRUE(by_name.count("output"));
  const auto& out = *by_name["output"];
  ASSERT_EQ(out.input_size(), 1);
  EXPECT_EQ(shape_of("output"), Shape{});
  // output <- Sum <- Relu <- Add(.., fc1/bias) <- ... <- fc1/weight
  const auto* sum = by_name.at(out.input(0));
  EXPECT_EQ(sum->op(), "Sum");
  ASSERT_EQ(sum->input_size(), 1);
  const auto* relu = by_name.at(sum->input(0));
  EXPECT_EQ(relu->op(), "Relu");
  EXPECT_EQ(shape_of(relu->name()), (Shape{4, 2}));
  // The bias add uses the bias and sits in fc1's group.
  const auto* add = by_name.at(relu->input(0));
  EXPECT_EQ(add->name().rfind("fc1/", 0), 0u) << add->name();
  EXPECT_TRUE(std::find(add->input().begin(), add->input().end(), "fc1/bias") != add->input().end());
  // Walking inputs from the output reaches the weight.
  std::vector<std::string> stack{"output"};
  std::set<std::string> seen;
  while (!stack.empty()) {
    std::string n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    for (const auto& in : by_name.at(n)->input()) stack.push_back(in);
  }
  EXPECT_TRUE(seen.count("fc1/weight"));
  EXPECT_EQ(seen.size(), by_name.size());
}

namespace {
// x:(N,3) -> (N,2): x w^T + b with w:(2,3), b:(2), written with mul and sum.
struct TinyLinear : nn::Module {
  TinyLinear() : nn::Module("TinyLinear") {
    register_parameter("weight", tensor({0.5f, -1.0f, 2.0f, 0.25f, 1.5f, -0.5f}, {2, 3}));
    register_parameter("bias", tensor({0.1f, 0.2f}));
  }
  Tensor forward(const Tensor& x) override {
    auto p = named_parameters(false);
    return (x.unsqueeze(1) * p[0].second).sum({2}) + p[1].second;
  }
};
struct TinyNet : nn::Module {
  TinyNet() : nn::Module("TinyNet") {
    fc1 = register_module("fc1", std::make_shared<TinyLinear>());
  }
  Tensor forward(const Tensor& x) override { return fc1->forward(x).relu(); }
  std::shared_ptr<TinyLinear> fc1;
};
}  // namespace

TEST(TensorBoard, GraphOfAModule) {
  TempDir d;
  TinyNet net;
  {
    SummaryWriter w(d.str());
    {
      NoGradGuard no_grad;  // add_graph records the forward even inside no_grad
      w.add_graph(net, ones({4, 3}));
    }
  }
  auto events = read_events(event_file_in(d.path()));
  ASSERT_EQ(events.size(), 2u);
  pb::GraphDef g;
  ASSERT_TRUE(g.ParseFromString(events[1].graph_def()));
  std::set<std::string> names, ops;
  for (const auto& n : g.node()) {
    names.insert(n.name());
    ops.insert(n.op());
  }
  EXPECT_TRUE(names.count("fc1/weight"));
  EXPECT_TRUE(names.count("fc1/bias"));
  EXPECT_TRUE(names.count("output"));
  EXPECT_TRUE(ops.count("Relu"));
  EXPECT_TRUE(ops.count("Parameter"));
}

TEST(TensorBoard, GraphWithoutAutogradIsAnError) {
  TempDir d;
  SummaryWriter w(d.str());
  EXPECT_THROW(w.add_graph(ones({2, 2}).sum()), Error);
}
