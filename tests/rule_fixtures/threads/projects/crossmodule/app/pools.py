from concurrent.futures import ThreadPoolExecutor

shared_pool = ThreadPoolExecutor(max_workers=16)
