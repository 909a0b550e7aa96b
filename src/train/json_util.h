#pragma once
// Internal: reading and writing the toolkit's JSON files (params.json, search.json, metrics,
// history) with errors that name the file, and atomic text writes.
#include <string>

#include <nlohmann/json.hpp>

namespace ember::train::detail {

using ordered_json = nlohmann::ordered_json;

// Parses JSON text. Malformed text throws ember::Error "<source>:<line>:<column>: malformed
// JSON: ..."; a key repeated inside one object throws "<source>: key 'k' appears twice".
ordered_json parse_json(const std::string& text, const std::string& source);

// The whole file as text; ember::Error naming the file when it cannot be read.
std::string read_text_file(const std::string& path);
ordered_json read_json_file(const std::string& path);

// Replaces `path` with `text` atomically: a temporary file in the same directory, fsync,
// rename over `path`, fsync of the directory. A reader sees the old file or the new one.
void write_text_atomic(const std::string& path, const std::string& text);

// "string \"64\"", "number 64.5", "boolean true", "null", "an array", "an object".
std::string describe_json(const ordered_json& v);

}  // namespace ember::train::detail
