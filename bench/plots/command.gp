# The ringpipe command against its peers (bench/command_bench.sh --csv command.csv): for each pipeline,
# GiB/s (left) and CPU seconds per GiB of the whole pipeline (right), medians over the rounds.
# Input: command.csv (pipeline,tool,median_s,gib_per_s,cpu_s_per_gib); a tool absent from a pipeline
# (pv, cat over TCP) has no bar there.
set datafile separator ","
set terminal pngcairo size 1200,440 font ",10" noenhanced
set output "command.png"
set multiplot layout 1,2 title "ringpipe (the command) and its peers, 2 vCPUs, 1 GiB: medians over the rounds"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key outside bottom center horizontal
set xtics nomirror
set yrange [0:*]
tools = "ringpipe ring-only mbuffer pv socat cat"
# One row per tool: its value in the pipe, file and tcp pipelines ("" where it did not run).
by_tool(column) = sprintf("< awk -F, -v c=%d 'NR > 1 { v[$2, $1] = $c } END { split(\"%s\", t, \" \"); for (i = 1; i in t; i++) print t[i] \",\" v[t[i], \"pipe\"] \",\" v[t[i], \"file\"] \",\" v[t[i], \"tcp\"] }' command.csv", column, tools)
set title "throughput (higher is better)"
set ylabel "GiB/s"
plot by_tool(4) using 2:xtic(1) title "head | TOOL | cat", "" using 3 title "file to file", \
     "" using 4 title "file -> TCP -> file"
set title "CPU per GiB, whole pipeline (lower is better)"
set ylabel "CPU s / GiB"
plot by_tool(5) using 2:xtic(1) title "head | TOOL | cat", "" using 3 title "file to file", \
     "" using 4 title "file -> TCP -> file"
unset multiplot
