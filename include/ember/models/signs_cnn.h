#pragma once
// The `signs_cnn` model: the CS230 vision net (pytorch/vision/model/net.py) for 64x64 RGB images.
// PyTorch equivalent, with the same attribute names (so the same state_dict keys):
//
//   class Net(nn.Module):
//       def __init__(self, num_channels=32, dropout_rate=0.5, num_classes=6):
//           self.conv1 = nn.Conv2d(3, c, 3, stride=1, padding=1);       self.bn1 = nn.BatchNorm2d(c)
//           self.conv2 = nn.Conv2d(c, 2*c, 3, stride=1, padding=1);     self.bn2 = nn.BatchNorm2d(2*c)
//           self.conv3 = nn.Conv2d(2*c, 4*c, 3, stride=1, padding=1);   self.bn3 = nn.BatchNorm2d(4*c)
//           self.fc1 = nn.Linear(8*8*4*c, 4*c);  self.fcbn1 = nn.BatchNorm1d(4*c)
//           self.fc2 = nn.Linear(4*c, num_classes)
//       def forward(self, s):                                    # s:(N,3,64,64)
//           s = F.relu(F.max_pool2d(self.bn1(self.conv1(s)), 2))  # (N,c,32,32)
//           s = F.relu(F.max_pool2d(self.bn2(self.conv2(s)), 2))  # (N,2c,16,16)
//           s = F.relu(F.max_pool2d(self.bn3(self.conv3(s)), 2))  # (N,4c,8,8)
//           s = s.view(-1, 8*8*4*c)
//           s = F.dropout(F.relu(self.fcbn1(self.fc1(s))), p=self.dropout_rate, training=self.training)
//           return F.log_softmax(self.fc2(s), dim=1)              # (N,num_classes) log-probabilities
#include <memory>

#include "ember/nn/layers/batchnorm.h"
#include "ember/nn/layers/conv.h"
#include "ember/nn/layers/linear.h"

namespace ember::models {

class SignsCnn : public nn::Module {
 public:
  SignsCnn(int64_t num_channels = 32, double dropout_rate = 0.5, int64_t num_classes = 6);
  Tensor forward(const Tensor& s) override;  // (N,3,64,64) -> (N,num_classes) log-probabilities
  std::shared_ptr<nn::Conv2d> conv1, conv2, conv3;
  std::shared_ptr<nn::BatchNorm2d> bn1, bn2, bn3;
  std::shared_ptr<nn::Linear> fc1, fc2;
  std::shared_ptr<nn::BatchNorm1d> fcbn1;
  int64_t num_channels;
  double dropout_rate;
};

}  // namespace ember::models
