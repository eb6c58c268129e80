# handoff.gp - docs/handoff.png from bench/handoff.py's data (make bench).
#
#   gnuplot -e "results='bench/results/handoff'; out='docs/handoff.png'" bench/handoff.gp
#
# Top: the pipeline pattern's pairs/s against buffer size, one line per
# implementation, 2 threads (1 -> 1) and 8 threads (4 -> 4).  Bottom: the
# decoder pattern on 8 workers, frames/s per implementation, and the MiB
# each allocated at its peak against the MiB in use (log scales).
if (!exists("results")) results = 'bench/results/handoff'
if (!exists("out")) out = 'docs/handoff.png'

if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 1300,900 font ',10'
} else {
    set terminal png size 1300,900
}
set output out
set datafile missing '?'
set grid
set style line 1 lc rgb '#1f77b4' lw 2 pt 7
set style line 2 lc rgb '#ff7f0e' lw 2 pt 5
set style line 3 lc rgb '#7f7f7f' lw 2 pt 9 dt 2
set style line 4 lc rgb '#d62728' lw 2 pt 11
set style line 5 lc rgb '#2ca02c' lw 2 pt 13
set style line 6 lc rgb '#9467bd' lw 2 pt 3

set multiplot layout 2,2 title 'bufpool-bench: hand-off between threads (medians; ratios within one run)'
set key bottom left box opaque
set logscale x 4
set logscale y 10
set format y '%.0s%c'
set xrange [40:1.6e6]
set xtics ('64' 64, '4K' 4096, '1M' 1048576)
set xlabel 'buffer size (bytes)'
set ylabel 'get+release pairs/s (total)'
do for [t in "2 8"] {
    set title sprintf('pipeline, %s threads (%d -> %d), queue depth 64', t, t/2, t/2)
    f = sprintf('%s/pipeline-t%s.dat', results, t)
    plot f using 1:2 with linespoints ls 1 title 'bufpool', \
         f using 1:3 with linespoints ls 2 title 'dpdk', \
         f using 1:4 with linespoints ls 3 title 'none (harness)', \
         f using 1:5 with linespoints ls 4 title 'FFmpeg', \
         f using 1:6 with linespoints ls 5 title 'malloc', \
         f using 1:7 with linespoints ls 6 title 'GStreamer'
}

# The decoder: one bar per implementation.
unset logscale x
set xrange [-0.6:*]
set xtics () 
set xlabel ''
set style fill solid 0.8 border -1
set boxwidth 0.7
f = results.'/decoder.dat'
set title 'decoder pattern, 8 workers, 720p yuv420p: throughput'
set ylabel 'frames/s'
unset logscale y
set yrange [0:*]
set format y '%.0s%c'
set key off
plot f using 0:2:xtic(1) with boxes lc rgb '#1f77b4'

set logscale y 10
set yrange [*:*]

set title 'decoder pattern, 8 workers: bytes allocated at the peak vs in use'
set ylabel 'MiB'
set format y '%g'
set key top left box opaque
set boxwidth 0.35
plot f using ($0 - 0.18):3:xtic(1) with boxes lc rgb '#ff7f0e' title 'allocated (peak\_bytes)', \
     f using ($0 + 0.18):4 with boxes lc rgb '#2ca02c' title 'in use (peak\_in\_use\_bytes)'
unset multiplot
