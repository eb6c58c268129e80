# plot.gp - docs/bench.png from bench/report.py's sweep data (make bench).
#
#   gnuplot -e "results='bench/results'; out='docs/bench.png'" bench/plot.gp
#
# Left: pairs/s against threads (4 KiB, -p local -H 4); right: pairs/s
# against buffer size (1 thread).  Log scales; bufpool, FFmpeg and malloc.
if (!exists("results")) results = 'bench/results'
if (!exists("out")) out = 'docs/bench.png'
threads = results.'/sweep-threads.dat'
sizes = results.'/sweep-size.dat'

if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 1200,500 font ',10'
} else {
    set terminal png size 1200,500
}
set output out
set datafile missing '?'
set key bottom left box opaque
set grid
set logscale y 10
set format y '%.0s%c'
set ylabel 'get+release pairs/s (total)'
set style line 1 lc rgb '#1f77b4' lw 2 pt 7
set style line 2 lc rgb '#d62728' lw 2 pt 5
set style line 3 lc rgb '#2ca02c' lw 2 pt 9

set multiplot layout 1,2 title 'bufpool-bench: bufpool vs FFmpeg AVBufferPool vs malloc (medians)'
set title 'pairs/s vs threads (4 KiB, local, hold 4; 2 CPUs)'
set xlabel 'threads'
set logscale x 2
set xrange [0.9:9]
set xtics (1, 2, 3, 4, 5, 6, 7, 8)
plot threads using 1:2 with linespoints ls 1 title 'bufpool', \
     threads using 1:3 with linespoints ls 2 title 'FFmpeg', \
     threads using 1:4 with linespoints ls 3 title 'malloc'

set title 'pairs/s vs buffer size (1 thread, local, hold 4)'
set xlabel 'buffer size (bytes)'
set logscale x 4
set xrange [48:5.5e6]
set xtics ('64' 64, '256' 256, '1K' 1024, '4K' 4096, '16K' 16384, \
           '64K' 65536, '256K' 262144, '1M' 1048576, '4M' 4194304)
plot sizes using 1:2 with linespoints ls 1 title 'bufpool', \
     sizes using 1:3 with linespoints ls 2 title 'FFmpeg', \
     sizes using 1:4 with linespoints ls 3 title 'malloc'
unset multiplot
