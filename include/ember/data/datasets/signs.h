#pragma once
// The CS230 SIGNS layout: data_dir/{train,val,test}_signs/{label}_IMG_{id}.jpg, one image
// file per sample whose name starts with its integer label (64x64 RGB in CS230's hand-signs
// data; `ember data fashion-mnist-to-signs` writes Fashion-MNIST this way). Files are taken
// in sorted order; other extensions and hidden files are ignored; an image file whose name
// does not start with "<digits>_IMG_" is an error naming it.
#include <string>

#include "ember/data/datasets/image_folder.h"

namespace ember::data {

class SIGNS : public ImageFileDataset {
 public:
  // split: "train", "val" or "test" (the folder is <split>_signs).
  SIGNS(const std::string& data_dir, const std::string& split, ImageFileOptions options = {});
  int64_t num_classes() const { return num_classes_; }  // 1 + the largest label

 private:
  int64_t num_classes_ = 0;
};

}  // namespace ember::data
