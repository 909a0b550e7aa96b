#pragma once
// Internal: a Markdown table with padded columns; the first row is the header.
#include <string>
#include <vector>

namespace ember::train::detail {

std::string markdown_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace ember::train::detail
