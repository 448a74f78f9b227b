# Reference for RubyGems versions in the differential test: reads a file of
# pairs (`a<TAB>b` per line, split on "\n" only) and prints, per pair, -1, 0 or 1
# from Gem::Version#<=>, or `ERR <message>` when Gem::Version rejects either.
require "rubygems"

lines = File.binread(ARGV[0]).force_encoding("UTF-8").split("\n", -1)
lines.pop if lines.last == ""
out = lines.map do |line|
  a, b = line.split("\t", 2)
  begin
    va = Gem::Version.new(a)
    vb = Gem::Version.new(b)
    (va <=> vb).to_s
  rescue ArgumentError => e
    "ERR #{e.message.gsub(/\s+/, ' ')}"
  end
end
$stdout.write(out.join("\n") + (out.empty? ? "" : "\n"))
