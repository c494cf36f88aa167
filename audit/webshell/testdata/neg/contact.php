<?php
$name = htmlspecialchars($_POST['name'] ?? '', ENT_QUOTES);
$page = intval($_GET['page'] ?? 1);
$ip = $_SERVER['REMOTE_ADDR'];
if ($name !== '') {
    mail('office@example.org', 'Contact form', "From $name ($ip)");
}
$data = json_decode(base64_decode($_COOKIE['prefs'] ?? ''), true);
$thumb = exec('convert -version');
echo "<p>Page $page</p>";
