import { hello } from '@shop/platform'; console.log(hello('x'));
