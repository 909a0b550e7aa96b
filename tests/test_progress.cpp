// ProgressBar: the meter text against tqdm 4.64's format_meter / format_interval / format_num
// (Debian's python3-tqdm; the expected strings below are its output for the same numbers),
// then the two display modes and robustness.
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <thread>

#include <ember/train/progress.h>

using ember::train::ProgressBar;
using ember::train::ProgressOptions;

TEST(Progress, FormatMeterMatchesTqdm) {
  EXPECT_EQ(ProgressBar::format_meter(45, 100, 2.4323, 80, "Epoch 1", "loss=0.341"),
            "Epoch 1:  45%|█████████▍           | 45/100 [00:02<00:02, 18.50it/s, loss=0.341]");
  EXPECT_EQ(ProgressBar::format_meter(45, 100, 2.4323, 80, "Epoch 1", "loss=0.341", "it", true),
            "Epoch 1:  45%|#########4           | 45/100 [00:02<00:02, 18.50it/s, loss=0.341]");
  EXPECT_EQ(ProgressBar::format_meter(0, 100, 0, 60), "  0%|                               | 0/100 [00:00<?, ?it/s]");
  EXPECT_EQ(ProgressBar::format_meter(100, 100, 3725.5, 70, "train"),
            "train: 100%|██████████████████████| 100/100 [1:02:05<00:00, 37.26s/it]");
  EXPECT_EQ(ProgressBar::format_meter(3, 1000, 10.0, 90, "slow"),
            "slow:   0%|▏                                             | 3/1000 [00:10<55:23,  3.33s/it]");
  EXPECT_EQ(ProgressBar::format_meter(45, 0, 2.4323, 80, "stream", "loss=0.341"),
            "stream: 45it [00:02, 18.50it/s, loss=0.341]");
  EXPECT_EQ(ProgressBar::format_meter(45, 100, 2.4323, 0, "Epoch 1", "loss=0.341"),
            "Epoch 1:  45% 45/100 [00:02<00:02, 18.50it/s, loss=0.341]");
  EXPECT_EQ(ProgressBar::format_meter(7, 9, 1.0, 50, "x", "", "it", false, 2.0),
            "x:  78%|█████████▎  | 7/9 [00:01<00:01,  2.00it/s]");
  EXPECT_EQ(ProgressBar::format_meter(7, 9, 1.0, 50, "x", "", "batch"),
            "x:  78%|███████  | 7/9 [00:01<00:00,  7.00batch/s]");
}

TEST(Progress, FormatIntervalAndNumLikeTqdm) {
  EXPECT_EQ(ProgressBar::format_interval(5), "00:05");
  EXPECT_EQ(ProgressBar::format_interval(65), "01:05");
  EXPECT_EQ(ProgressBar::format_interval(3725.9), "1:02:05");
  EXPECT_EQ(ProgressBar::format_num(0.34123), "0.341");
  EXPECT_EQ(ProgressBar::format_num(12345.678), "1.23e+4");
  EXPECT_EQ(ProgressBar::format_num(1e-5), "1e-5");
  EXPECT_EQ(ProgressBar::format_num(3), "3");
  EXPECT_EQ(ProgressBar::format_num(0.9), "0.9");
  EXPECT_EQ(ProgressBar::format_num(-0.5), "-.5");
  EXPECT_EQ(ProgressBar::format_num(0.05), "0.05");
  EXPECT_EQ(ProgressBar::format_num(100.0), "100");
  EXPECT_EQ(ProgressBar::format_num(1e20), "1e+20");
  EXPECT_EQ(ProgressBar::format_num(0.000123), "0.000123");
  EXPECT_EQ(ProgressBar::format_num(2.5e-7), "2.5e-7");
  EXPECT_EQ(ProgressBar::format_num(1234.0), "1234.0");
  EXPECT_EQ(ProgressBar::format_num(0.1 + 0.2), "0.3");
}

TEST(Progress, PlainLinesWhenNotATerminal) {
  std::ostringstream os;
  {
    ProgressBar bar(4, {.desc = "eval", .out = &os, .plain_interval = 0});
    EXPECT_FALSE(bar.dynamic());
    EXPECT_EQ(os.str(), "");  // nothing printed at start
    for (int i = 0; i < 4; ++i) {
      bar.set_postfix({{"loss", 1.0 / (i + 1)}, {"acc", 0.25 * (i + 1)}});
      bar.update();
    }
    EXPECT_EQ(bar.n(), 4);
  }
  const std::string out = os.str();
  EXPECT_EQ(out.find('\r'), std::string::npos);
  std::istringstream lines(out);
  std::vector<std::string> v;
  for (std::string l; std::getline(lines, l);) v.push_back(l);
  ASSERT_EQ(v.size(), 5u);  // one per update (interval 0) and the final line
  EXPECT_EQ(v[0].rfind("eval:  25% 1/4 [00:00<", 0), 0u) << v[0];
  EXPECT_NE(v[0].find("loss=1, acc=0.25]"), std::string::npos) << v[0];  // tqdm: 1.0 shows as 1
  EXPECT_EQ(v[4].rfind("eval: 100% 4/4 [00:00<00:00, ", 0), 0u) << v[4];
  EXPECT_NE(v[4].find("loss=0.25, acc=1]"), std::string::npos) << v[4];
}

TEST(Progress, PlainModeThrottlesLines) {
  std::ostringstream os;
  {
    ProgressBar bar(1000, {.out = &os, .plain_interval = 3600});
    for (int i = 0; i < 1000; ++i) bar.update();
  }
  const std::string out = os.str();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);  // only the final line
  EXPECT_NE(out.find("100% 1000/1000"), std::string::npos) << out;
}

TEST(Progress, RedrawsInPlaceOnATerminal) {
  std::ostringstream os;
  {
    ProgressBar bar(3, {.desc = "train", .out = &os, .dynamic = true, .ncols = 60, .mininterval = 0});
    EXPECT_TRUE(bar.dynamic());
    bar.set_postfix("loss=12.5");
    bar.update();
    bar.set_postfix("");  // a shorter line: the leftover columns are blanked
    bar.update(2);
  }
  const std::string out = os.str();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.front(), '\r');
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  EXPECT_GE(std::count(out.begin(), out.end(), '\r'), 3);  // start, two updates, close
  // Each redraw has the bar of the requested width (60 columns, or more when blanking leftovers).
  const std::string last = out.substr(out.rfind('\r') + 1);
  EXPECT_EQ(last.rfind("train: 100%|", 0), 0u) << last;
  EXPECT_NE(last.find("| 3/3 [00:00<00:00, "), std::string::npos) << last;
  EXPECT_EQ(last.find("loss"), std::string::npos);
  const std::string with_postfix = out.substr(0, out.find("loss=12.5"));
  EXPECT_NE(with_postfix.find(" 1/3 "), std::string::npos);
}

TEST(Progress, LeaveFalseErasesTheLine) {
  std::ostringstream os;
  {
    ProgressBar bar(2, {.out = &os, .dynamic = true, .ncols = 40, .leave = false});
    bar.update(2);
  }
  const std::string out = os.str();
  EXPECT_EQ(out.find('\n'), std::string::npos);
  ASSERT_GE(out.size(), 42u);
  EXPECT_EQ(out.substr(out.size() - 42), "\r" + std::string(40, ' ') + "\r");  // the 40-column line blanked
}

namespace {
struct ThrowingBuf : std::streambuf {
  int overflow(int) override { throw std::runtime_error("disk on fire"); }
};
}  // namespace

TEST(Progress, BrokenOutputNeverThrows) {
  ThrowingBuf buf;
  std::ostream os(&buf);
  os.exceptions(std::ios::badbit);
  EXPECT_NO_THROW({
    ProgressBar bar(10, {.out = &os, .dynamic = true, .mininterval = 0});
    bar.update(3);
    bar.refresh();
    bar.close();
    bar.close();  // idempotent
  });
  EXPECT_NO_THROW({
    ProgressBar bar(10, {.out = &os, .plain_interval = 0});
    bar.update(3);
  });  // the destructor closes
}

TEST(Progress, ConcurrentUpdatesAreCounted) {
  std::ostringstream os;
  ProgressBar bar(4000, {.out = &os, .plain_interval = 0});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) bar.update();
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bar.n(), 4000);
  bar.close();
  std::istringstream lines(os.str());
  for (std::string l; std::getline(lines, l);) EXPECT_NE(l.find("/4000 ["), std::string::npos) << l;
}

TEST(Progress, UnknownTotal) {
  std::ostringstream os;
  {
    ProgressBar bar(0, {.desc = "stream", .out = &os, .plain_interval = 0, .leave = true});
    bar.update(5);
  }
  EXPECT_NE(os.str().find("stream: 5it ["), std::string::npos) << os.str();
}
