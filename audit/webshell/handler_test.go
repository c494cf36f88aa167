package webshell

import (
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// TestHandlers: web applications written as a framework's handlers, each technique in several
// spellings of our own (route variables, the framework's request reads, helpers, decoders),
// and the shapes of real applications that must stay silent.
func TestHandlers(t *testing.T) {
	tests := []struct {
		name, path, src string
		rule            string // "" : nothing at medium or above
		title           string // substring of the finding's title
	}{
		// Python: route variables and parameters are request input
		{"flask route variable", "/srv/app/app.py",
			"from flask import Flask\nimport subprocess\napp = Flask(__name__)\n\n@app.route('/<command>')\ndef index(command):\n    subprocess.call(command, shell=True)\n    return 'ok'\n",
			RuleCommand, "subprocess.call()"},
		{"flask typed path converter through a helper", "/srv/app/views.py",
			"import flask, os\nbp = flask.Blueprint('ops', __name__)\n\ndef run(c):\n    return os.popen(c).read()\n\n@bp.route('/x/<path:p>', methods=['GET'])\ndef x(p):\n    return run(p)\n",
			RuleCommand, "popen()"},
		{"add_url_rule", "/srv/app/wsgi.py",
			"from flask import Flask\nimport commands\napp = Flask('x')\ndef info(name):\n    return commands.getoutput('id ' + name)\napp.add_url_rule('/info/<name>', 'info', info)\n",
			RuleCommand, "getoutput()"},
		{"add_url_rule view_func", "/srv/app/wsgi2.py",
			"from flask import Flask\nimport subprocess\napp = Flask('x')\ndef run(q):\n    return subprocess.getstatusoutput(q)[1]\napp.add_url_rule('/r/<q>', view_func=run)\n",
			RuleCommand, "getstatusoutput()"},
		{"bottle route", "/srv/app/srv.py",
			"from bottle import route, run\nimport os\n@route('/ping/<host>')\ndef ping(host):\n    return os.popen('ping -c 1 %s' % host).read()\nrun(host='0.0.0.0')\n",
			RuleCommand, "popen()"},
		{"fastapi path parameter f-string", "/srv/api/main.py",
			"from fastapi import FastAPI\nimport subprocess\napp = FastAPI()\n\n@app.get(\"/nslookup/{domain}\")\nasync def nslookup(domain: str):\n    return subprocess.run(f\"nslookup {domain}\", shell=True, capture_output=True).stdout\n",
			RuleCommand, "subprocess.run()"},
		{"fastapi form body exec", "/srv/api/calc.py",
			"from fastapi import FastAPI, Form\napi = FastAPI()\n\n@api.post('/calc')\ndef calc(expr: str = Form(...)):\n    scope = {}\n    exec('r = ' + expr, scope)\n    return scope['r']\n",
			RuleCode, "exec()"},
		{"starlette path params", "/srv/api/app.py",
			"from starlette.applications import Starlette\nfrom starlette.responses import PlainTextResponse\nimport os\nasync def run(request):\n    c = request.path_params['c']\n    return PlainTextResponse(os.popen(c).read())\n",
			RuleCommand, "popen()"},
		{"django url kwarg", "/srv/site/tools/views.py",
			"from django.http import HttpResponse\nimport os\n\ndef tool(request, name):\n    os.system('/usr/bin/' + name)\n    return HttpResponse('ok')\n",
			RuleCommand, "system()"},
		{"django GET through base64", "/srv/site/tools/debug.py",
			"import base64\nfrom django.http import JsonResponse\ndef dbg(request):\n    code = base64.b64decode(request.GET['c'])\n    return JsonResponse({'r': eval(code)})\n",
			RuleCode, "eval()"},
		{"tornado get_argument", "/srv/tornado/h.py",
			"import tornado.web, subprocess\nclass H(tornado.web.RequestHandler):\n    def post(self):\n        c = self.get_body_argument('c')\n        self.write(subprocess.check_output(c, shell=True))\n",
			RuleCommand, "subprocess.check_output()"},
		{"aiohttp query to an interpreter's argv", "/srv/svc/app.py",
			"from aiohttp import web\nimport asyncio\nasync def h(request):\n    code = request.query['code']\n    p = await asyncio.create_subprocess_exec('python3', '-c', code)\n    return web.Response(text='ok')\n",
			RuleCommand, "create_subprocess_exec()"},
		{"yaml load of the body", "/srv/app/conf.py",
			"from flask import Flask, request\nimport yaml\napp = Flask(__name__)\n@app.route('/conf', methods=['POST'])\ndef conf():\n    return str(yaml.load(request.data, Loader=yaml.Loader))\n",
			RuleCode, "yaml.load()"},
		// Ruby: Rails and Sinatra
		{"rails params.require to Process.spawn", "/srv/app/app/controllers/jobs_controller.rb",
			"class JobsController < ApplicationController\n  def create\n    cmd = params.require(:job)\n    Process.spawn(cmd)\n    head :ok\n  end\nend\n",
			RuleCommand, "Process.spawn()"},
		{"rails Kernel#open of a pipe", "/srv/app/app/controllers/files_controller.rb",
			"class FilesController < ApplicationController\n  def show\n    render plain: open(\"|\" + params[:name]).read\n  end\nend\n",
			RuleCommand, "open("},
		{"rails Kernel#open of a request path", "/srv/app/app/controllers/dl_controller.rb",
			"class DlController < ActionController::Base\n  def show\n    f = params[:file]\n    send_data open(f).read\n  end\nend\n",
			RuleCommand, "Kernel#open()"},
		{"rails send with a request-named method", "/srv/app/app/controllers/api_controller.rb",
			"class ApiController < ApplicationController\n  def call\n    render json: Report.send(params[:m])\n  end\nend\n",
			RuleCallable, "send()"},
		{"sinatra %x of params", "/srv/app/app.rb",
			"require 'sinatra'\nget '/x' do\n  %x(#{params['c']})\nend\n",
			RuleCommand, "backticks"},
		{"sinatra route capture to eval", "/srv/app/calc.rb",
			"require 'sinatra/base'\nclass App < Sinatra::Base\n  get '/calc/:expr' do |expr|\n    eval(expr).to_s\n  end\nend\n",
			RuleCode, "eval()"},
		// Perl: Mojolicious and Dancer
		{"mojolicious stash placeholder", "/srv/app/app.pl",
			"use Mojolicious::Lite;\nget '/r/:cmd' => sub {\n  my $c = shift;\n  my $cmd = $c->stash('cmd');\n  $c->render(text => join '', `$cmd`);\n};\napp->start;\n",
			RuleCommand, "backticks"},
		{"mojolicious body to system", "/srv/app/mojo.pl",
			"use Mojo::Base -strict;\nuse Mojolicious::Lite;\npost '/' => sub { my $c = shift; system($c->req->body); $c->rendered(204) };\napp->start;\n",
			RuleCommand, "system()"},
		// Node.js: Koa, Express route params
		{"koa ctx.params", "/srv/app/index.js",
			"const Koa = require('koa');\nconst Router = require('@koa/router');\nconst { exec } = require('child_process');\nconst router = new Router();\nrouter.get('/x/:cmd', async (ctx) => { ctx.body = await new Promise(r => exec(ctx.params.cmd, (e, o) => r(o))); });\n",
			RuleCommand, "child_process.exec()"},
		{"express route param destructured", "/srv/app/routes.js",
			"const express = require('express');\nconst cp = require('child_process');\nconst app = express();\napp.get('/run/:c', (req, res) => {\n  const { c } = req.params;\n  res.send(cp.execSync(c));\n});\n",
			RuleCommand, "child_process.execSync()"},
		// Lua: OpenResty handlers and nginx's embedded blocks
		{"openresty header to os.execute", "/usr/local/openresty/lualib/app/h.lua",
			"local h = ngx.var.http_x_debug\nif h then\n  os.execute(h)\nend\nngx.exit(204)\n",
			RuleCommand, "os.execute()"},
		{"openresty body to loadstring", "/etc/nginx/lua/run.lua",
			"ngx.req.read_body()\nlocal body = ngx.req.get_body_data()\nlocal f = loadstring(body)\nngx.say(tostring(f()))\n",
			RuleCode, "loadstring()"},
		{"openresty dofile of a request path", "/etc/nginx/lua/inc.lua",
			"local args = ngx.req.get_uri_args()\ndofile(args.f)\n",
			RuleInclude, "dofile()"},
		{"nginx content_by_lua string", "/etc/nginx/conf.d/app.conf",
			"server {\n  location /s {\n    content_by_lua '\n      local c = ngx.var.arg_c\n      local p = io.popen(c)\n      ngx.print(p:read(\"*a\"))\n    ';\n  }\n}\n",
			RuleCommand, "io.popen()"},

		// Silent: what real applications do.
		{"flask argv list with a request value", "/srv/app/ping.py",
			"from flask import Flask, request\nimport subprocess\napp = Flask(__name__)\n@app.route('/ping/<host>')\ndef ping(host):\n    return subprocess.run(['ping', '-c', '1', host], capture_output=True).stdout\n",
			"", ""},
		{"fastapi integer parameter", "/srv/api/sleep.py",
			"from fastapi import FastAPI, Depends\nimport os\napp = FastAPI()\n@app.get('/items/{item_id}')\ndef item(item_id: int, db = Depends(get_db)):\n    os.system('logger item %d' % item_id)\n    return db.get(item_id)\n",
			"", ""},
		{"django view with constant commands", "/srv/site/app/views.py",
			"from django.shortcuts import render\nimport subprocess\n\"\"\"Run os.system(request.GET['cmd']) for fun? Never.\"\"\"\ndef index(request, slug):\n    rev = subprocess.check_output(['git', 'rev-parse', 'HEAD'])\n    obj = Page.objects.get(slug=slug)\n    return render(request, 'page.html', {'o': obj, 'rev': rev})\n",
			"", ""},
		{"tornado numeric argument", "/srv/tornado/s.py",
			"import tornado.web, os\nclass S(tornado.web.RequestHandler):\n    def get(self):\n        n = int(self.get_argument('n'))\n        os.system('sleep %d' % n)\n",
			"", ""},
		{"signed session pickle", "/srv/app/session.py",
			"from flask import Flask, request\nimport pickle, hmac, hashlib\napp = Flask(__name__)\n@app.route('/')\ndef index():\n    raw = request.cookies.get('s')\n    data, sig = raw.rsplit('.', 1)\n    if hmac.compare_digest(sig, hmac.new(KEY, data.encode(), hashlib.sha256).hexdigest()):\n        return str(pickle.loads(bytes.fromhex(data)))\n",
			"", ""},
		{"yaml safe load", "/srv/app/conf2.py",
			"from flask import Flask, request\nimport yaml\napp = Flask(__name__)\n@app.post('/c')\ndef c():\n    return str(yaml.load(request.data, Loader=yaml.SafeLoader)) + str(yaml.safe_load(request.data))\n",
			"", ""},
		{"framework run() is no subprocess", "/srv/app/main.py",
			"from bottle import route, run, request\n@route('/hello/<name>')\ndef hello(name):\n    return 'Hello ' + name\nrun(host=request.environ.get('HOST'), port=8080)\n",
			"", ""},
		{"rails argv list and finders", "/srv/app/app/controllers/repo_controller.rb",
			"class RepoController < ApplicationController\n  def log\n    @commits = `git log --oneline -n 20`\n    system('git', 'show', params[:rev])\n    @user = User.find(params[:id])\n    @post = Post.send(\"find_by_#{params[:by].to_i}\")\n  end\nend\n",
			"", ""},
		{"rails send with a constant prefix", "/srv/app/app/controllers/settings_controller.rb",
			"class SettingsController < ApplicationController\n  def update\n    value = params[:value]\n    Setting.send \"plugin_#{@plugin.id}=\", value\n  end\nend\n",
			"", ""},
		{"sinatra block code", "/srv/app/dsl.rb",
			"require 'sinatra'\nhelpers do\n  def opts; params[:o]; end\nend\nget '/' do\n  settings.class_eval { set :o, 1 }\n  instance_eval(&block) if block\n  erb :index\nend\n",
			"", ""},
		{"openresty constant command", "/etc/nginx/lua/reload.lua",
			"local t = ngx.var.arg_token\nngx.log(ngx.INFO, 'reload by ', t)\nif t == os.getenv('TOKEN') then os.execute('nginx -s reload') end\nngx.say(tonumber(ngx.var.arg_n) or 0)\n",
			"", ""},
		{"plain Lua script is no handler", "/usr/local/bin/runner.lua",
			"local c = arg[1]\nio.popen(c):read('*a')\n",
			"", ""},
		{"koa argv list", "/srv/app/thumb.js",
			"const Koa = require('koa');\nconst { execFile } = require('child_process');\nconst app = new Koa();\napp.use(async (ctx) => { execFile('convert', [ctx.request.body.file, '/tmp/out.png']); ctx.body = 'ok'; });\n",
			"", ""},
		{"a method named eval is defined, not called", "/srv/site/app/tags.py",
			"from django import template\nclass Cond:\n    def __init__(self, request, expr):\n        self.expr = request.GET.get('q')\n    def eval(self, context):\n        return context.get(self.expr)\n",
			"", ""},
		{"framework module in site-packages", "/usr/lib/python3/dist-packages/myapp/views.py",
			"from flask import Flask\nimport os\napp = Flask(__name__)\n@app.route('/<c>')\ndef v(c):\n    return os.popen(c).read()\n",
			"", ""},
	}
	a := New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := a.Analyze(tc.path, []byte(tc.src))
			if tc.rule == "" {
				for _, f := range fs {
					if f.Severity >= audit.Medium {
						t.Errorf("clean handler flagged:%s", dump(fs))
					}
				}
				return
			}
			var got *audit.Finding
			for i := range fs {
				if fs[i].Rule == tc.rule {
					got = &fs[i]
				}
			}
			if got == nil {
				t.Fatalf("want %s, got:%s", tc.rule, dump(fs))
			}
			if got.Category != audit.CategoryWebshell || !strings.Contains(got.Title, tc.title) {
				t.Errorf("got %s %q, want webshell with %q", got.Category, got.Title, tc.title)
			}
			if got.Severity < audit.High {
				t.Errorf("severity %s, want high or critical", got.Severity)
			}
		})
	}
}

// TestNginxLua: the Lua an nginx configuration embeds, in blocks (braces nested inside
// them) and in strings, each on lines of its own; *_by_lua_file names a file analysed where
// it lies.
func TestNginxLua(t *testing.T) {
	conf := "http {\n  server {\n    location /a { access_by_lua_block { if ngx.var.arg_x then local t = { a = 1 } end } }\n" +
		"    location /b { content_by_lua \"ngx.say(ngx.var.arg_y)\"; }\n    location /c { content_by_lua_file /etc/nginx/lua/c.lua; }\n  }\n}\n"
	got := string(nginxLua([]byte(conf)))
	for _, want := range []string{"if ngx.var.arg_x then local t = { a = 1 } end", "ngx.say(ngx.var.arg_y)"} {
		if !strings.Contains(got, want) {
			t.Errorf("nginxLua lost %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "c.lua") || strings.Contains(got, "location") {
		t.Errorf("nginxLua kept configuration text:\n%s", got)
	}
}

// TestInterpreterArguments: a request value handed to a shell or an interpreter is code only
// in the place it runs code from (after -c or -e, or as the script), not as the script's
// argument.
func TestInterpreterArguments(t *testing.T) {
	head := "from flask import Flask, request\nimport subprocess\napp = Flask(__name__)\n@app.route('/t')\ndef t():\n    v = request.args['v']\n"
	for _, tc := range []struct {
		call string
		want bool
	}{
		{"subprocess.run(['sh', '-c', v])", true},
		{"subprocess.run(['/usr/bin/python3', '-E', '-c', v])", true},
		{"subprocess.run(['bash', v])", true},
		{"subprocess.run(['perl', '-e', v, 'x'])", true},
		{"subprocess.run(['python3', '/opt/tool.py', v])", false},
		{"subprocess.run(['bash', '/opt/backup.sh', '--target', v])", false},
		{"subprocess.run(['sh', '-c', 'exec \"$0\" --x', v])", false},
	} {
		fs := New().Analyze("/srv/app/t.py", []byte(head+"    return str("+tc.call+")\n"))
		got := false
		for _, f := range fs {
			if f.Rule == RuleCommand {
				got = true
			}
		}
		if got != tc.want {
			t.Errorf("%s: command finding %v, want %v:%s", tc.call, got, tc.want, dump(fs))
		}
	}
}

// TestClassBasedViews: the verb methods of class-based views take the route's variables, and
// their request reads are the framework's.
func TestClassBasedViews(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"flask MethodView", "from flask.views import MethodView\nimport os\nclass Run(MethodView):\n    def get(self, cmd):\n        return os.popen(cmd).read()\napp.add_url_rule('/run/<cmd>', view_func=Run.as_view('run'))\n"},
		{"django View kwargs", "from django.views import View\nfrom django.http import HttpResponse\nimport subprocess\nclass Tool(View):\n    def get(self, request, *args, **kwargs):\n        c = self.kwargs['c']\n        return HttpResponse(subprocess.getoutput(c))\n"},
		{"django REST viewset", "from rest_framework import viewsets\nimport os\nclass Jobs(viewsets.ViewSet):\n    def retrieve(self, request, pk=None):\n        os.system('run-job ' + pk)\n"},
		{"falcon responder", "import falcon, subprocess\nclass Exec:\n    def on_post(self, req, resp):\n        cmd = req.get_param('cmd')\n        resp.text = subprocess.check_output(cmd, shell=True).decode()\n"},
		{"falcon route field", "import falcon, os\nclass Item:\n    def on_get(self, req, resp, name):\n        resp.text = os.popen('cat /srv/items/' + name).read()\n"},
		{"flask-restful resource", "from flask_restful import Resource\nfrom flask import Flask\nimport os\nclass Cmd(Resource):\n    def post(self, c):\n        return os.popen(c).read()\n"},
	} {
		fs := New().Analyze("/srv/app/views.py", []byte(tc.src))
		if b := best(fs); b == nil || b.Rule != RuleCommand || b.Severity != audit.Critical {
			t.Errorf("%s: want a critical %s:%s", tc.name, RuleCommand, dump(fs))
		}
	}
}
